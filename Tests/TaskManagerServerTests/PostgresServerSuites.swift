// Written by scripts/generate-store-suites from the suites on ServerBehaviourTestCase: do not edit.
// XCTest on Linux runs only the tests a class declares, so each suite's tests are declared again here.

final class PostgresBatchRPCTests: BatchRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testCreateTasksGivesEachItemItsOwnOutcomeInOrder() async throws { try await super.testCreateTasksGivesEachItemItsOwnOutcomeInOrder() }
    override func testCreateTasksRefusesAnEmptyOrOversizedBatch() async throws { try await super.testCreateTasksRefusesAnEmptyOrOversizedBatch() }
    override func testClaimTasksClaimsUpToMaxInClaimOrder() async throws { try await super.testClaimTasksClaimsUpToMaxInClaimOrder() }
    override func testClaimTasksChecksItsArguments() async throws { try await super.testClaimTasksChecksItsArguments() }
}

final class PostgresClaimRPCTests: ClaimRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testClaimMarksTheTaskClaimedAndCountsTheAttempt() async throws { try await super.testClaimMarksTheTaskClaimedAndCountsTheAttempt() }
    override func testNothingToClaimIsAnEmptyResponseNotAnError() async throws { try await super.testNothingToClaimIsAnEmptyResponseNotAnError() }
    override func testDefaultOrderIsPriorityThenOldestThenID() async throws { try await super.testDefaultOrderIsPriorityThenOldestThenID() }
    override func testSortByAndSortOrderAsInTheOriginal() async throws { try await super.testSortByAndSortOrderAsInTheOriginal() }
    override func testTiesAreBrokenByIDAscending() async throws { try await super.testTiesAreBrokenByIDAscending() }
    override func testInvalidSortIsRefused() async throws { try await super.testInvalidSortIsRefused() }
    override func testTypeIDAndPatternSelectTheType() async throws { try await super.testTypeIDAndPatternSelectTheType() }
    override func testWorkerIDAndATypeSelectorAreRequired() async throws { try await super.testWorkerIDAndATypeSelectorAreRequired() }
    override func testAStaleClaimIsClaimableAgainAsANewAttempt() async throws { try await super.testAStaleClaimIsClaimableAgainAsANewAttempt() }
    override func testAStaleClaimWithNoAttemptsLeftIsFailed() async throws { try await super.testAStaleClaimWithNoAttemptsLeftIsFailed() }
}

final class PostgresConcurrentClaimTests: ConcurrentClaimTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testManyConnectionsClaimEveryTaskExactlyOnce() async throws { try await super.testManyConnectionsClaimEveryTaskExactlyOnce() }
    override func testPipelinedCallsOnOneConnectionAreEachAnsweredOnce() async throws { try await super.testPipelinedCallsOnOneConnectionAreEachAnsweredOnce() }
}

final class PostgresCreateTaskRPCTests: CreateTaskRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testCreateStoresAPendingTaskWithCanonicalParamsAndPriority() async throws { try await super.testCreateStoresAPendingTaskWithCanonicalParamsAndPriority() }
    override func testDuplicateParamsInAnyKeyOrderReturnTheExistingTask() async throws { try await super.testDuplicateParamsInAnyKeyOrderReturnTheExistingTask() }
    override func testDedupeKeyIsSHA256OfTypeNulAndCanonicalParams() async throws { try await super.testDedupeKeyIsSHA256OfTypeNulAndCanonicalParams() }
    override func testClientDedupeKeyDeduplicatesDifferentParams() async throws { try await super.testClientDedupeKeyDeduplicatesDifferentParams() }
    override func testParamsFailingTheSchemaListEveryViolation() async throws { try await super.testParamsFailingTheSchemaListEveryViolation() }
    override func testIntegerSatisfiesNumber() async throws { try await super.testIntegerSatisfiesNumber() }
    override func testParamsMustBeAJSONObject() async throws { try await super.testParamsMustBeAJSONObject() }
    override func testEmptyParamsMeanAnEmptyObject() async throws { try await super.testEmptyParamsMeanAnEmptyObject() }
    override func testUnknownAndInactiveTypesAreRefused() async throws { try await super.testUnknownAndInactiveTypesAreRefused() }
    override func testMaxAttemptsPerTaskOverridesTheDefault() async throws { try await super.testMaxAttemptsPerTaskOverridesTheDefault() }
}

final class PostgresETARPCTests: ETARPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testAClaimHasNoETAYet() async throws { try await super.testAClaimHasNoETAYet() }
    override func testASteadyWorkerGetsAnETAWithinTenPercentOfItsTrueEnd() async throws { try await super.testASteadyWorkerGetsAnETAWithinTenPercentOfItsTrueEnd() }
    override func testListTasksCarriesTheSameETA() async throws { try await super.testListTasksCarriesTheSameETA() }
    override func testTheETAIsGoneOnceTheTaskCompletes() async throws { try await super.testTheETAIsGoneOnceTheTaskCompletes() }
}

final class PostgresLifecycleRPCTests: LifecycleRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testAClaimGetsTheDefaultLeaseOrItsTypes() async throws { try await super.testAClaimGetsTheDefaultLeaseOrItsTypes() }
    override func testProgressAndHeartbeatRenewTheLease() async throws { try await super.testProgressAndHeartbeatRenewTheLease() }
    override func testTheReaperReturnsAnExpiredTaskToPendingAndTheNextClaimCountsAnAttempt() async throws { try await super.testTheReaperReturnsAnExpiredTaskToPendingAndTheNextClaimCountsAnAttempt() }
    override func testAnExpiredLeaseWithNoAttemptsLeftFailsTheTask() async throws { try await super.testAnExpiredLeaseWithNoAttemptsLeftFailsTheTask() }
    override func testAWorkerThatLostItsLeaseCannotTouchTheTask() async throws { try await super.testAWorkerThatLostItsLeaseCannotTouchTheTask() }
    override func testAFailedAttemptWaitsItsExponentialBackoff() async throws { try await super.testAFailedAttemptWaitsItsExponentialBackoff() }
    override func testDelayedTasksAreNotClaimableBeforeTheyAreDue() async throws { try await super.testDelayedTasksAreNotClaimableBeforeTheyAreDue() }
    override func testAHugeDelayIsTheFarFutureNotACrash() async throws { try await super.testAHugeDelayIsTheFarFutureNotACrash() }
    override func testTheTypesMaxAttemptsAppliesWhenTheTaskSetsNone() async throws { try await super.testTheTypesMaxAttemptsAppliesWhenTheTaskSetsNone() }
    override func testCancellingAPendingTaskCancelsItAtOnce() async throws { try await super.testCancellingAPendingTaskCancelsItAtOnce() }
    override func testCancellingAClaimedTaskTellsTheWorkerWhichThenEndsIt() async throws { try await super.testCancellingAClaimedTaskTellsTheWorkerWhichThenEndsIt() }
    override func testACancelRequestedTaskWhoseLeaseExpiresIsCancelled() async throws { try await super.testACancelRequestedTaskWhoseLeaseExpiresIsCancelled() }
    override func testATaskWithoutProgressIsMarkedStalledUntilProgressMoves() async throws { try await super.testATaskWithoutProgressIsMarkedStalledUntilProgressMoves() }
    override func testRetentionDeletesOnlyFinishedTasksOlderThanTheCutoff() async throws { try await super.testRetentionDeletesOnlyFinishedTasksOlderThanTheCutoff() }
}

final class PostgresListTasksRPCTests: ListTasksRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testNewestFirstWithTotalAndPageSize() async throws { try await super.testNewestFirstWithTotalAndPageSize() }
    override func testFiltersByStatusTypeAndWorker() async throws { try await super.testFiltersByStatusTypeAndWorker() }
    override func testLimitDefaultsTo50AndIsClampedTo1000() async throws { try await super.testLimitDefaultsTo50AndIsClampedTo1000() }
    override func testNegativeLimitOrOffsetIsRefused() async throws { try await super.testNegativeLimitOrOffsetIsRefused() }
}

final class PostgresLongPollClaimTests: LongPollClaimTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testAWaitingClaimIsAnsweredAsSoonAsATaskIsCreated() async throws { try await super.testAWaitingClaimIsAnsweredAsSoonAsATaskIsCreated() }
    override func testAWaitingClaimWakesWhenALeaseExpires() async throws { try await super.testAWaitingClaimWakesWhenALeaseExpires() }
    override func testAWaitingClaimWakesWhenAFailedTaskIsRetried() async throws { try await super.testAWaitingClaimWakesWhenAFailedTaskIsRetried() }
    override func testAWaitingClaimTakesADelayedTaskWhenItFallsDue() async throws { try await super.testAWaitingClaimTakesADelayedTaskWhenItFallsDue() }
    override func testAWaitingClaimReturnsNothingWhenItsWaitEnds() async throws { try await super.testAWaitingClaimReturnsNothingWhenItsWaitEnds() }
    override func testAWaitingClaimDoesNotHoldUpOtherCallsOnItsConnection() async throws { try await super.testAWaitingClaimDoesNotHoldUpOtherCallsOnItsConnection() }
    override func testNoWakeUpIsLostWhenTasksArriveWhileClaimsStartWaiting() async throws { try await super.testNoWakeUpIsLostWhenTasksArriveWhileClaimsStartWaiting() }
}

final class PostgresProgressOutcomeRPCTests: ProgressOutcomeRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testProgressIsStoredWithItsMessageAndTime() async throws { try await super.testProgressIsStoredWithItsMessageAndTime() }
    override func testProgressOutsideZeroToHundredIsRefused() async throws { try await super.testProgressOutsideZeroToHundredIsRefused() }
    override func testOnlyTheClaimingWorkerMayReport() async throws { try await super.testOnlyTheClaimingWorkerMayReport() }
    override func testCompleteStoresResultKeepsProgressAndEndsTheClaim() async throws { try await super.testCompleteStoresResultKeepsProgressAndEndsTheClaim() }
    override func testCompleteRefusesAResultThatIsNotJSON() async throws { try await super.testCompleteRefusesAResultThatIsNotJSON() }
    override func testFailRetriesWhileAttemptsRemainThenFailsForGood() async throws { try await super.testFailRetriesWhileAttemptsRemainThenFailsForGood() }
    override func testFailChecksStateAndOwner() async throws { try await super.testFailChecksStateAndOwner() }
    override func testHistoryRecordsEveryTransitionWithTheOriginalTexts() async throws { try await super.testHistoryRecordsEveryTransitionWithTheOriginalTexts() }
    override func testGetUnknownTaskIsNotFound() async throws { try await super.testGetUnknownTaskIsNotFound() }
}

final class PostgresStatsRPCTests: StatsRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testTheWholeDashboardAfterSomeWork() async throws { try await super.testTheWholeDashboardAfterSomeWork() }
    override func testANegativeSlowThresholdIsRefused() async throws { try await super.testANegativeSlowThresholdIsRefused() }
}

final class PostgresTaskTypeRPCTests: TaskTypeRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testHealthReportsHealthyConnectedVersionAndTime() async throws { try await super.testHealthReportsHealthyConnectedVersionAndTime() }
    override func testRegisterIsAnUpsertThatReplacesVersionAndSchemaAndReactivates() async throws { try await super.testRegisterIsAnUpsertThatReplacesVersionAndSchemaAndReactivates() }
    override func testRegisterRejectsBadSchemasAndMissingFields() async throws { try await super.testRegisterRejectsBadSchemasAndMissingFields() }
    override func testGetUnknownTypeIsNotFound() async throws { try await super.testGetUnknownTypeIsNotFound() }
    override func testListTypesCountsUsageAndFiltersActive() async throws { try await super.testListTypesCountsUsageAndFiltersActive() }
}

final class PostgresWatchRPCTests: WatchRPCTests {
    override class var storeKind: ServerStoreKind { .postgres }
    override func testWatchTaskSendsTheSnapshotThenEveryEventUntilTheTaskEnds() async throws { try await super.testWatchTaskSendsTheSnapshotThenEveryEventUntilTheTaskEnds() }
    override func testAWatchThatReconnectsAfterTheLastIDItSawGetsEveryEventExactlyOnce() async throws { try await super.testAWatchThatReconnectsAfterTheLastIDItSawGetsEveryEventExactlyOnce() }
    override func testWatchTasksStreamsTheEventsOfMatchingTypesAfterTheGivenID() async throws { try await super.testWatchTasksStreamsTheEventsOfMatchingTypesAfterTheGivenID() }
    override func testWatchingAnUnknownTaskIsNotFound() async throws { try await super.testWatchingAnUnknownTaskIsNotFound() }
    override func testAStalledConsumerLosesItsOwnStreamWithoutSlowingAnyoneElse() async throws { try await super.testAStalledConsumerLosesItsOwnStreamWithoutSlowingAnyoneElse() }
}
