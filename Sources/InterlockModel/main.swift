// interlock-model: prints a model of the interlock transition table.
//
//   interlock-model promela   the Promela model that scripts/checks/model-check.sh runs through spin
//   interlock-model dot       the Graphviz source of docs/interlock-states.dot
//
// Both are generated from the same table the safety kernel runs on, so the
// model and the diagram cannot drift from the code.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = "usage: interlock-model promela|dot"
let arguments = CommandLine.arguments.dropFirst()

switch arguments.first {
case "promela" where arguments.count == 1:
    print(PromelaModel.generate(), terminator: "")
case "dot" where arguments.count == 1:
    print(StateDiagram.generate(), terminator: "")
default:
    // Standard error by descriptor: the C `stderr` global is not concurrency-safe in Swift 6.
    let line = usage + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(64) // EX_USAGE
}
