// Secret(reading:): where settings say a secret comes from, and errors that never carry it.
import Foundation
import RiposteCore
import RiposteRuntime
import Testing

@Suite("Secret references")
struct SecretTests {
    let environment = Environment(["API_KEY": "k-from-env", "EMPTY": ""])

    func read(_ reference: String, allowsLiteral: Bool = true) throws -> String {
        try Secret(reading: reference, for: "RIPOSTE_X_KEY", environment: environment, allowsLiteral: allowsLiteral).value
    }

    /// The message of the error `reference` gives.
    func failure(_ reference: String, allowsLiteral: Bool = true) -> String? {
        do {
            _ = try read(reference, allowsLiteral: allowsLiteral)
            return nil
        } catch let error as RiposteError {
            #expect(error.code == .invalid)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("env:NAME, file:PATH trimmed, or the text itself where a literal is allowed")
    func sources() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-secret-\(UUID().uuidString)")
        try Data("  k-from-file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try read("env:API_KEY") == "k-from-env")
        #expect(try read("file:" + file.path) == "k-from-file")
        #expect(try read("file:" + file.path, allowsLiteral: false) == "k-from-file")
        #expect(try read("k-literal") == "k-literal")
        #expect(String(describing: try Secret(reading: "env:API_KEY", for: "X", environment: environment)) == "<redacted>")
    }

    @Test("Unset or empty variables, unreadable or empty files and forbidden literals name the setting, not a value")
    func failures() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-empty-\(UUID().uuidString)")
        try Data(" \n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let cases: [(reference: String, allowsLiteral: Bool, says: String)] = [
            ("env:MISSING", true, "RIPOSTE_X_KEY names env:MISSING, which is not set"),
            ("env:EMPTY", true, "RIPOSTE_X_KEY names env:EMPTY, which is not set"),
            ("file:/nonexistent/riposte-secret", true, "RIPOSTE_X_KEY: cannot read secret file /nonexistent/riposte-secret"),
            ("file:" + empty.path, true, "is empty"),
            ("k-literal-secret", false, "must name where the secret is read from: env:NAME or file:PATH"),
        ]
        for (reference, allowsLiteral, says) in cases {
            let message = try #require(failure(reference, allowsLiteral: allowsLiteral), "\(reference)")
            #expect(message.contains(says), "\(message)")
            #expect(!message.contains("k-literal-secret") && !message.contains("k-from-env"), "\(message)")
        }
    }
}
