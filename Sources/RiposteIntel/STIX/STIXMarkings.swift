// TLP marking-definition ids: the STIX 2.1 TLP 1.0 objects (spec section 7.2.1.4) and the TLP 2.0 ones
// (oasis-open/cti-stix-common-objects, extension `extension-definition--60a3c5c5-…`), plus markings a bundle defines.
import RiposteCore

enum STIXMarkings {
    /// The TLP 2.0 marking extension's id.
    static let tlp2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

    /// The standard TLP marking-definition ids.
    static let standard: [String: TLP] = [
        // TLP 1.0 (STIX 2.1 section 7.2.1.4); WHITE reads as CLEAR.
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": .clear,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": .green,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": .amber,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": .red,
        // TLP 2.0.
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": .clear,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": .green,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": .amber,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": .amberStrict,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": .red,
    ]

    /// The TLP a bundle's own marking-definition states: `definition_type: "tlp"` with `definition.tlp`
    /// (STIX 2.0/2.1), or the TLP 2.0 extension's `tlp_2_0`; nil for other markings.
    static func tlp(ofDefinition object: JSONValue) -> TLP? {
        if object["definition_type"]?.stringValue == "tlp", let label = object["definition"]?["tlp"]?.stringValue {
            return TLP(label: label)
        }
        if let label = object["extensions"]?[tlp2ExtensionID]?["tlp_2_0"]?.stringValue { return TLP(label: label) }
        return nil
    }
}
