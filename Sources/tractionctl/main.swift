print("tractionctl: under construction")
