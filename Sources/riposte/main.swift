// The `riposte` executable: everything happens in RiposteApp.
import Foundation
import RiposteApp

let status = await RiposteCLI.main(Array(CommandLine.arguments.dropFirst()))
exit(status.rawValue)
