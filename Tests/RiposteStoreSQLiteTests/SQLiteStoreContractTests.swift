// The store contract from RiposteTesting, one test per behaviour, each against a fresh SQLite file.
import RiposteTesting
import Testing

@Suite("SQLite store contract")
struct SQLiteStoreContractTests {
    @Test("Ingest opens an incident with its observables, timeline event and job")
    func ingestCreatesIncidentAndItsRows() async throws {
        try await runContract { try await $0.ingestCreatesIncidentAndItsRows() }
    }

    @Test("Ingest deduplicates by source and source ref")
    func ingestDeduplicatesBySourceRef() async throws { try await runContract { try await $0.ingestDeduplicatesBySourceRef() } }

    @Test("Ingest groups alerts of one fingerprint within the window")
    func ingestGroupsWithinWindow() async throws { try await runContract { try await $0.ingestGroupsWithinWindow() } }

    @Test("Ingest opens a new incident after the window or when the incident is closed")
    func ingestOpensNewIncidentAfterWindowOrWhenClosed() async throws {
        try await runContract { try await $0.ingestOpensNewIncidentAfterWindowOrWhenClosed() }
    }

    @Test("A failing ingest batch leaves nothing behind")
    func ingestIsAtomic() async throws { try await runContract { try await $0.ingestIsAtomic() } }

    @Test("The incident list pages newest first and filters")
    func incidentListPagesAndFilters() async throws { try await runContract { try await $0.incidentListPagesAndFilters() } }

    @Test("Updating an incident writes one timeline event per changed field")
    func updateWritesTimeline() async throws { try await runContract { try await $0.updateWritesTimeline() } }

    @Test("Notes and tasks are stored with their timeline events")
    func notesAndTasks() async throws { try await runContract { try await $0.notesAndTasks() } }

    @Test("Recording intel is idempotent and only raises verdicts")
    func recordIntelIsIdempotentAndRaisesVerdict() async throws {
        try await runContract { try await $0.recordIntelIsIdempotentAndRaisesVerdict() }
    }

    @Test("Job leases expire and failed jobs retry or die")
    func jobLeasesExpireAndRetry() async throws { try await runContract { try await $0.jobLeasesExpireAndRetry() } }

    @Test("Indicators upsert and page")
    func indicatorsUpsertAndPage() async throws { try await runContract { try await $0.indicatorsUpsertAndPage() } }

    @Test("Users and tokens are unique by name and found by name and hash")
    func accessTokensAndUsers() async throws { try await runContract { try await $0.accessTokensAndUsers() } }

    @Test("Feeds are stored once per name and keep their polling state")
    func feedsAndTheirState() async throws { try await runContract { try await $0.feedsAndTheirState() } }

    @Test("Alert mappings are saved by name, replaced and deleted")
    func alertMappingsByName() async throws { try await runContract { try await $0.alertMappingsByName() } }

    @Test("Poller state is saved whole per name and listed by name")
    func pollerStateIsSavedPerName() async throws { try await runContract { try await $0.pollerStateIsSavedPerName() } }

    @Test("Unknown ids throw not found")
    func notFoundErrors() async throws { try await runContract { try await $0.notFoundErrors() } }

    @Test("A closed store is unavailable")
    func closeMakesStoreUnavailable() async throws { try await runContract { try await $0.closeMakesStoreUnavailable() } }

    @Test("Grouping and suppression rules are created, listed, changed and deleted")
    func alertRulesCreateChangeDelete() async throws { try await runContract { try await $0.alertRulesCreateChangeDelete() } }

    @Test("Suppressed alerts are stored and counted, open no incident and dedup")
    func ingestStoresSuppressedAlerts() async throws { try await runContract { try await $0.ingestStoresSuppressedAlerts() } }

    @Test("Alert windows apply, and full incidents overflow into linked ones")
    func ingestOverflowsFullIncidents() async throws { try await runContract { try await $0.ingestOverflowsFullIncidents() } }

    @Test("Enrichment answers are shared by value, replaced, and only raise verdicts with a timeline reason")
    func enrichmentResultsAreSharedAndRaiseVerdicts() async throws {
        try await runContract { try await $0.enrichmentResultsAreSharedAndRaiseVerdicts() }
    }

    @Test("Jobs are claimed by kind")
    func jobsAreClaimedByKind() async throws { try await runContract { try await $0.jobsAreClaimedByKind() } }
}
