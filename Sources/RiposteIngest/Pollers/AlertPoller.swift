// The shape every pull source shares: fetch what changed after a cursor, page by page.
package import RiposteCore

/// One page of a poll: the alerts it produced and the cursor to resume from once they are stored.
package struct PollPage: Sendable {
    package var drafts: [AlertDraft]
    /// Where a later poll may resume after these drafts are committed; nil leaves the cursor as it was.
    package var cursor: String?

    package init(drafts: [AlertDraft], cursor: String?) {
        self.drafts = drafts
        self.cursor = cursor
    }
}

/// A vendor API that Riposte pulls alerts from (QRadar offenses, Sentinel incidents).
///
/// Contract: `poll` asks the vendor for what changed after `cursor` (nil: the poller's own start,
/// such as a look-back window) and hands each page to `deliver` in order, waiting for it to return
/// (the drafts are then committed) before fetching the next. A page's cursor is always safe to
/// resume from: every item at or before it was delivered, so a crash re-fetches at most one page
/// (which ingest answers as duplicates). Errors are `RiposteError`s whose messages never hold a
/// credential; `.unavailable` ones may carry `retryAfterSeconds`.
package protocol AlertPoller: Sendable {
    /// The source kind and parser name (`qradar`, `sentinel`).
    var kind: String { get }
    /// One pass over everything changed after `cursor`.
    func poll(after cursor: String?, deliver: (PollPage) async throws -> Void) async throws
}
