print("interlock-model: under construction")
