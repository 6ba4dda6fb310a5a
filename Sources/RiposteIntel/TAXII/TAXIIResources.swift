// TAXII 2.1 resources (discovery, API root, collection, envelope page) decoded from JSONValue.
package import FoundationEssentials
package import RiposteCore
import RiposteRuntime

/// The server discovery resource (`GET /taxii2/`, TAXII 2.1 §4.1).
package struct TAXIIDiscovery: Sendable, Equatable {
    package var title: String
    package var description: String?
    package var contact: String?
    /// The default API root, resolved against the discovery URL.
    package var defaultAPIRoot: URL?
    /// Every API root the server lists, resolved against the discovery URL.
    package var apiRoots: [URL]
}

/// An API root's information (`GET {api-root}/`, TAXII 2.1 §4.2).
package struct TAXIIAPIRoot: Sendable, Equatable {
    package var title: String
    package var description: String?
    /// Media types the root supports (`application/taxii+json;version=2.1`).
    package var versions: [String]
    /// The largest request body the root accepts, in bytes.
    package var maxContentLength: Int
}

/// One collection (`GET {api-root}/collections/`, TAXII 2.1 §5.2).
package struct TAXIICollection: Sendable, Equatable {
    package var id: String
    package var title: String
    package var description: String?
    package var alias: String?
    package var canRead: Bool
    package var canWrite: Bool
    package var mediaTypes: [String]
}

/// One page of a collection's objects: the envelope (TAXII 2.1 §3.7) plus the date-added headers.
package struct TAXIIObjectsPage: Sendable {
    /// The STIX objects, as the server sent them.
    package var objects: [JSONValue]
    /// True when the server has more objects for this query.
    package var more: Bool
    /// The server's paging token for the next page, if it uses one.
    package var next: String?
    /// `X-TAXII-Date-Added-First`: when the first object of the page was added.
    package var dateAddedFirst: String?
    /// `X-TAXII-Date-Added-Last`: when the last object of the page was added; the next `added_after`.
    package var dateAddedLast: String?
}

/// Reads the members of one TAXII resource, failing with `.invalid` messages that name the resource.
struct TAXIIFields {
    let value: JSONValue
    /// What the resource is, for messages ("TAXII collection 3 from http://…").
    let what: String

    init(_ value: JSONValue, _ what: String) throws {
        guard case .object = value else { throw RiposteError.invalid("\(what) is not a JSON object") }
        self.value = value
        self.what = what
    }

    func string(_ key: String) throws -> String? {
        switch value[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw RiposteError.invalid("\(what): '\(key)' is not a string")
        }
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw RiposteError.invalid("\(what) has no '\(key)'") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        switch value[key] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw RiposteError.invalid("\(what): '\(key)' is not true or false")
        }
    }

    func requiredBool(_ key: String) throws -> Bool {
        guard let flag = try bool(key) else { throw RiposteError.invalid("\(what) has no '\(key)'") }
        return flag
    }

    func int(_ key: String) throws -> Int? {
        switch value[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let integer = Int(exactly: number) else { throw RiposteError.invalid("\(what): '\(key)' is not an integer") }
            return integer
        default: throw RiposteError.invalid("\(what): '\(key)' is not a number")
        }
    }

    func array(_ key: String) throws -> [JSONValue] {
        switch value[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw RiposteError.invalid("\(what): '\(key)' is not an array")
        }
    }

    func strings(_ key: String) throws -> [String] {
        try array(key).enumerated().map { index, item in
            guard let text = item.stringValue else { throw RiposteError.invalid("\(what): \(key)[\(index)] is not a string") }
            return text
        }
    }
}

extension TAXIIDiscovery {
    init(json: JSONValue, from url: URL) throws {
        let fields = try TAXIIFields(json, "TAXII discovery from \(Redaction.url(url))")
        func resolve(_ text: String) throws -> URL {
            guard let resolved = URL(string: text, relativeTo: url)?.absoluteURL,
                let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https"
            else { throw RiposteError.invalid("\(fields.what): API root '\(text)' is not an http(s) URL") }
            return resolved
        }
        title = try fields.requiredString("title")
        description = try fields.string("description")
        contact = try fields.string("contact")
        defaultAPIRoot = try fields.string("default").map(resolve)
        apiRoots = try fields.strings("api_roots").map(resolve)
    }
}

extension TAXIIAPIRoot {
    init(json: JSONValue, from url: URL) throws {
        let fields = try TAXIIFields(json, "TAXII API root from \(Redaction.url(url))")
        title = try fields.requiredString("title")
        description = try fields.string("description")
        versions = try fields.strings("versions")
        guard let length = try fields.int("max_content_length") else {
            throw RiposteError.invalid("\(fields.what) has no 'max_content_length'")
        }
        maxContentLength = length
    }
}

extension TAXIICollection {
    init(json: JSONValue, what: String) throws {
        let fields = try TAXIIFields(json, what)
        id = try fields.requiredString("id")
        title = try fields.requiredString("title")
        description = try fields.string("description")
        alias = try fields.string("alias")
        canRead = try fields.requiredBool("can_read")
        canWrite = try fields.requiredBool("can_write")
        mediaTypes = try fields.strings("media_types")
    }
}

extension TAXIIObjectsPage {
    /// Decodes an envelope; every object must be a JSON object with a string `id`.
    init(envelope: JSONValue, dateAddedFirst: String?, dateAddedLast: String?, from url: String) throws {
        let fields = try TAXIIFields(envelope, "TAXII envelope from \(url)")
        more = try fields.bool("more") ?? false
        next = try fields.string("next")
        objects = try fields.array("objects")
        for (index, object) in objects.enumerated() where object["id"]?.stringValue == nil {
            throw RiposteError.invalid("\(fields.what): object \(index) is not a STIX object with a string 'id'")
        }
        self.dateAddedFirst = dateAddedFirst
        self.dateAddedLast = dateAddedLast
    }
}
