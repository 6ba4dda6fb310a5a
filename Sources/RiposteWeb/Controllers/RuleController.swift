// /api/v1/grouping-rules and /api/v1/suppression-rules: admins change rules, analysts and viewers read them.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// Grouping and suppression rule routes.
struct RuleController {
    let rules: RuleService
    let clock: WallClock

    func register(on api: inout APIRouteBuilder) {
        api.add(.get, "/api/v1/grouping-rules", .readRules) { _ in
            try JSONBody.response(V1.Items(items: try await rules.groupingRules().map(V1.GroupingRuleDTO.init)))
        }
        api.add(.post, "/api/v1/grouping-rules", .manageRules) { call in
            let rule = try await rules.createGroupingRule(try Self.body(call))
            return try JSONBody.response(V1.GroupingRuleDTO(rule), status: .created)
        }
        api.add(.get, "/api/v1/grouping-rules/{id}", .readRules) { call in
            try JSONBody.response(V1.GroupingRuleDTO(try await rules.groupingRule(id: try Self.groupingID(call))))
        }
        api.add(.patch, "/api/v1/grouping-rules/{id}", .manageRules) { call in
            let rule = try await rules.updateGroupingRule(id: try Self.groupingID(call), try Self.body(call))
            return try JSONBody.response(V1.GroupingRuleDTO(rule))
        }
        api.add(.delete, "/api/v1/grouping-rules/{id}", .manageRules) { call in
            try await rules.deleteGroupingRule(id: try Self.groupingID(call))
            return HTTPResponse(status: .noContent)
        }

        api.add(.get, "/api/v1/suppression-rules", .readRules) { _ in
            let now = clock.now()
            return try JSONBody.response(
                V1.Items(items: try await rules.suppressionRules().map { V1.SuppressionRuleDTO($0, now: now) }))
        }
        api.add(.post, "/api/v1/suppression-rules", .manageRules) { call in
            let rule = try await rules.createSuppressionRule(try Self.body(call), caller: call.principal)
            return try JSONBody.response(V1.SuppressionRuleDTO(rule, now: clock.now()), status: .created)
        }
        api.add(.get, "/api/v1/suppression-rules/{id}", .readRules) { call in
            let rule = try await rules.suppressionRule(id: try Self.suppressionID(call))
            return try JSONBody.response(V1.SuppressionRuleDTO(rule, now: clock.now()))
        }
        api.add(.patch, "/api/v1/suppression-rules/{id}", .manageRules) { call in
            let rule = try await rules.updateSuppressionRule(id: try Self.suppressionID(call), try Self.body(call))
            return try JSONBody.response(V1.SuppressionRuleDTO(rule, now: clock.now()))
        }
        api.add(.delete, "/api/v1/suppression-rules/{id}", .manageRules) { call in
            try await rules.deleteSuppressionRule(id: try Self.suppressionID(call))
            return HTTPResponse(status: .noContent)
        }
        api.add(.get, "/api/v1/suppression-rules/{id}/alerts", .readRules) { call in
            var limit = 100
            if let text = call.request.queryValue("limit") {
                guard let value = Int(text), (1...500).contains(value) else {
                    throw RiposteError.invalid("limit must be an integer from 1 to 500")
                }
                limit = value
            }
            let alerts = try await rules.suppressedAlerts(rule: try Self.suppressionID(call), limit: limit)
            return try JSONBody.response(V1.Items(items: alerts.map(V1.SuppressedAlertDTO.init)))
        }
    }

    /// The request body as a JSON object value. - Throws: `.invalid` naming the byte where it stops being JSON.
    static func body(_ call: APICall) throws -> JSONValue {
        guard !call.request.body.isEmpty else { throw RiposteError.invalid("request body is empty; expected a JSON object") }
        let value = try JSONParser.parse(Array(call.request.body), maxDepth: 16)  // .invalid naming the byte offset
        guard case .object = value else { throw RiposteError.invalid("request body must be a JSON object") }
        return value
    }

    static func groupingID(_ call: APICall) throws -> GroupingRuleID {
        guard let id = GroupingRuleID(parsing: call.parameter("id")) else {
            throw RiposteError.notFound("no grouping rule '\(call.parameter("id"))'")
        }
        return id
    }

    static func suppressionID(_ call: APICall) throws -> SuppressionRuleID {
        guard let id = SuppressionRuleID(parsing: call.parameter("id")) else {
            throw RiposteError.notFound("no suppression rule '\(call.parameter("id"))'")
        }
        return id
    }
}
