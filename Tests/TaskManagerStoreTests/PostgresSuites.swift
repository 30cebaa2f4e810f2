// Written by scripts/generate-store-suites from the suites on StoreBehaviourTestCase: do not edit.
// XCTest on Linux runs only the tests a class declares, so each suite's tests are declared again here.

final class PostgresCancelTests: CancelTests {
    override class var storeKind: StoreKind { .postgres }
    override func testCancellingAPendingTaskCancelsItAtOnce() async throws { try await super.testCancellingAPendingTaskCancelsItAtOnce() }
    override func testCancellingAPendingTaskWithoutAReasonSaysSo() async throws { try await super.testCancellingAPendingTaskWithoutAReasonSaysSo() }
    override func testCancellingAClaimedTaskRequestsCancel() async throws { try await super.testCancellingAClaimedTaskRequestsCancel() }
    override func testCancellingAClaimedTaskWithoutAReasonSaysSo() async throws { try await super.testCancellingAClaimedTaskWithoutAReasonSaysSo() }
    override func testASecondCancelOfAClaimedTaskChangesNothing() async throws { try await super.testASecondCancelOfAClaimedTaskChangesNothing() }
    override func testFailingACancelRequestedTaskCancelsItWithoutRetry() async throws { try await super.testFailingACancelRequestedTaskCancelsItWithoutRetry() }
    override func testFailingATaskCancelledWithoutAReasonSaysRequested() async throws { try await super.testFailingATaskCancelledWithoutAReasonSaysRequested() }
    override func testCompletingACancelRequestedTaskCompletesIt() async throws { try await super.testCompletingACancelRequestedTaskCompletesIt() }
    override func testCancellingAFinishedTaskThrowsTaskFinished() async throws { try await super.testCancellingAFinishedTaskThrowsTaskFinished() }
    override func testCancellingAnUnknownTaskThrowsTaskNotFound() async throws { try await super.testCancellingAnUnknownTaskThrowsTaskNotFound() }
}

final class PostgresClaimOrderTests: ClaimOrderTests {
    override class var storeKind: StoreKind { .postgres }
    override func testDefaultOrderIsPriorityDescThenOldestThenID() async throws { try await super.testDefaultOrderIsPriorityDescThenOldestThenID() }
    override func testPriorityAscendingThenID() async throws { try await super.testPriorityAscendingThenID() }
    override func testPriorityDescendingThenID() async throws { try await super.testPriorityDescendingThenID() }
    override func testCreatedAtAscendingThenID() async throws { try await super.testCreatedAtAscendingThenID() }
    override func testCreatedAtDescendingThenID() async throws { try await super.testCreatedAtDescendingThenID() }
    override func testIDAscending() async throws { try await super.testIDAscending() }
    override func testIDDescending() async throws { try await super.testIDDescending() }
    override func testAttemptsAscendingThenID() async throws { try await super.testAttemptsAscendingThenID() }
    override func testAttemptsDescendingThenID() async throws { try await super.testAttemptsDescendingThenID() }
    override func testExpiredLeaseCompetesInTheSameOrderAsPendingTasks() async throws { try await super.testExpiredLeaseCompetesInTheSameOrderAsPendingTasks() }
}

final class PostgresClaimTests: ClaimTests {
    override class var storeKind: StoreKind { .postgres }
    override func testClaimMarksTaskClaimedAndCountsAnAttempt() async throws { try await super.testClaimMarksTaskClaimedAndCountsAnAttempt() }
    override func testClaimReturnsNilWhenNothingIsClaimable() async throws { try await super.testClaimReturnsNilWhenNothingIsClaimable() }
    override func testClaimOnlyTakesTasksOfTheGivenTypeID() async throws { try await super.testClaimOnlyTakesTasksOfTheGivenTypeID() }
    override func testClaimByPatternMatchesTypeNamesWithLike() async throws { try await super.testClaimByPatternMatchesTypeNamesWithLike() }
    override func testTypeIDAndPatternMustBothMatch() async throws { try await super.testTypeIDAndPatternMustBothMatch() }
}

final class PostgresClaimTimeExpiryTests: ClaimTimeExpiryTests {
    override class var storeKind: StoreKind { .postgres }
    override func testExpiredLeaseIsReclaimedAsANewAttemptWithLeaseExpiredHistory() async throws { try await super.testExpiredLeaseIsReclaimedAsANewAttemptWithLeaseExpiredHistory() }
    override func testExpiredLeaseWithNoAttemptsLeftFailsWithLeaseExpired() async throws { try await super.testExpiredLeaseWithNoAttemptsLeftFailsWithLeaseExpired() }
    override func testExpiredLeaseOfACancelRequestedTaskCancelsItInsteadOfReclaiming() async throws { try await super.testExpiredLeaseOfACancelRequestedTaskCancelsItInsteadOfReclaiming() }
    override func testEndedLeaseGivesWayToTheNextClaimableTask() async throws { try await super.testEndedLeaseGivesWayToTheNextClaimableTask() }
    override func testExpiredLeaseOfAnotherTypeIsLeftAlone() async throws { try await super.testExpiredLeaseOfAnotherTypeIsLeftAlone() }
    override func testCompletionIsAcceptedAfterTheLeaseWhileNotEnded() async throws { try await super.testCompletionIsAcceptedAfterTheLeaseWhileNotEnded() }
}

final class PostgresConcurrencyTests: ConcurrencyTests {
    override class var storeKind: StoreKind { .postgres }
    override func testConcurrentClaimersGetDistinctTasksAndEveryTaskIsClaimedOnce() async throws { try await super.testConcurrentClaimersGetDistinctTasksAndEveryTaskIsClaimedOnce() }
}

final class PostgresCreateTaskTests: CreateTaskTests {
    override class var storeKind: StoreKind { .postgres }
    override func testCreateStoresPendingTaskWithCreatedHistory() async throws { try await super.testCreateStoresPendingTaskWithCreatedHistory() }
    override func testCreateStoresRunAtAndRetryBackoff() async throws { try await super.testCreateStoresRunAtAndRetryBackoff() }
    override func testANegativeRunAtIsStoredAsZero() async throws { try await super.testANegativeRunAtIsStoredAsZero() }
    override func testSameDedupeKeyReturnsExistingTaskDeduplicated() async throws { try await super.testSameDedupeKeyReturnsExistingTaskDeduplicated() }
    override func testDedupeAppliesToFinishedTasks() async throws { try await super.testDedupeAppliesToFinishedTasks() }
    override func testConcurrentCreatesWithSameKeyMakeOneTask() async throws { try await super.testConcurrentCreatesWithSameKeyMakeOneTask() }
}

final class PostgresCreateTasksTests: CreateTasksTests {
    override class var storeKind: StoreKind { .postgres }
    override func testAllItemsAreCreatedInOrderWithOneCommit() async throws { try await super.testAllItemsAreCreatedInOrderWithOneCommit() }
    override func testAFailingItemLeavesTheOthersAndTheirHistory() async throws { try await super.testAFailingItemLeavesTheOthersAndTheirHistory() }
    override func testARepeatedKeyInOneBatchIsDeduplicated() async throws { try await super.testARepeatedKeyInOneBatchIsDeduplicated() }
}

final class PostgresDelayedTaskTests: DelayedTaskTests {
    override class var storeKind: StoreKind { .postgres }
    override func testADelayedTaskIsSkippedByClaimsUntilDue() async throws { try await super.testADelayedTaskIsSkippedByClaimsUntilDue() }
    override func testADelayedTaskIsSkippedByPatternClaimsToo() async throws { try await super.testADelayedTaskIsSkippedByPatternClaimsToo() }
}

final class PostgresHistoryTests: HistoryTests {
    override class var storeKind: StoreKind { .postgres }
    override func testHistoryIsOldestFirstWithTimesAndTexts() async throws { try await super.testHistoryIsOldestFirstWithTimesAndTexts() }
    override func testHistoryOfUnknownTaskIsNil() async throws { try await super.testHistoryOfUnknownTaskIsNil() }
    override func testNoHistoryIsWrittenWhenRecordingIsOff() async throws { try await super.testNoHistoryIsWrittenWhenRecordingIsOff() }
}

final class PostgresLeaseLostTests: LeaseLostTests {
    override class var storeKind: StoreKind { .postgres }
    override func testAnOlderAttemptNumberLosesTheLease() async throws { try await super.testAnOlderAttemptNumberLosesTheLease() }
    override func testTheLiveAttemptNumberPassesTheCheck() async throws { try await super.testTheLiveAttemptNumberPassesTheCheck() }
    override func testTheSameAttemptLosesTheLeaseOnceItExpired() async throws { try await super.testTheSameAttemptLosesTheLeaseOnceItExpired() }
    override func testTheSameAttemptLosesTheLeaseWhenExpiryFailedTheTask() async throws { try await super.testTheSameAttemptLosesTheLeaseWhenExpiryFailedTheTask() }
    override func testANewerAttemptNumberLosesTheLease() async throws { try await super.testANewerAttemptNumberLosesTheLease() }
    override func testAnUnknownTaskIsNotFoundBeforeTheAttemptIsChecked() async throws { try await super.testAnUnknownTaskIsNotFoundBeforeTheAttemptIsChecked() }
    override func testAttemptZeroKeepsTheOldChecksAfterExpiry() async throws { try await super.testAttemptZeroKeepsTheOldChecksAfterExpiry() }
    override func testFinishedTaskOfTheLiveAttemptIsNotClaimedRatherThanLost() async throws { try await super.testFinishedTaskOfTheLiveAttemptIsNotClaimedRatherThanLost() }
}

final class PostgresLeaseTests: LeaseTests {
    override class var storeKind: StoreKind { .postgres }
    override func testClaimGrantsTheDefaultLeaseWhenTheTypeSetsNone() async throws { try await super.testClaimGrantsTheDefaultLeaseWhenTheTypeSetsNone() }
    override func testClaimGrantsTheTypesLeaseSecondsOverTheDefault() async throws { try await super.testClaimGrantsTheTypesLeaseSecondsOverTheDefault() }
    override func testProgressRenewsTheLeaseFromItsTime() async throws { try await super.testProgressRenewsTheLeaseFromItsTime() }
    override func testProgressRenewsWithTheTypesLeaseSeconds() async throws { try await super.testProgressRenewsWithTheTypesLeaseSeconds() }
    override func testHeartbeatRenewsTheLeaseWithoutHistoryOrProgress() async throws { try await super.testHeartbeatRenewsTheLeaseWithoutHistoryOrProgress() }
    override func testHeartbeatRenewsWithTheTypesLeaseSeconds() async throws { try await super.testHeartbeatRenewsWithTheTypesLeaseSeconds() }
    override func testCompletionClearsTheLease() async throws { try await super.testCompletionClearsTheLease() }
    override func testFailureClearsTheLease() async throws { try await super.testFailureClearsTheLease() }
}

final class PostgresListTasksTests: ListTasksTests {
    override class var storeKind: StoreKind { .postgres }
    override func testListsNewestFirstWithTotal() async throws { try await super.testListsNewestFirstWithTotal() }
    override func testTiesOnCreationTimeAreNewestIDFirst() async throws { try await super.testTiesOnCreationTimeAreNewestIDFirst() }
    override func testFiltersByStatus() async throws { try await super.testFiltersByStatus() }
    override func testFiltersByExactTypeName() async throws { try await super.testFiltersByExactTypeName() }
    override func testFiltersByTypeNameLikeWhenItContainsPercent() async throws { try await super.testFiltersByTypeNameLikeWhenItContainsPercent() }
    override func testFiltersByClaimedBy() async throws { try await super.testFiltersByClaimedBy() }
    override func testCombinesFilters() async throws { try await super.testCombinesFilters() }
    override func testPagesWithLimitAndOffsetKeepingTheTotal() async throws { try await super.testPagesWithLimitAndOffsetKeepingTheTotal() }
    override func testTaskByIDReturnsNilWhenMissing() async throws { try await super.testTaskByIDReturnsNilWhenMissing() }
}

final class PostgresOutcomeTests: OutcomeTests {
    override class var storeKind: StoreKind { .postgres }
    override func testProgressStoresValueAndMessage() async throws { try await super.testProgressStoresValueAndMessage() }
    override func testCompleteStoresResultAndKeepsProgress() async throws { try await super.testCompleteStoresResultAndKeepsProgress() }
    override func testCompleteWithEmptyResultStoresNull() async throws { try await super.testCompleteWithEmptyResultStoresNull() }
    override func testFailRetriesWhileAttemptsRemainThenFailsForGood() async throws { try await super.testFailRetriesWhileAttemptsRemainThenFailsForGood() }
}

final class PostgresProgressRateStoreTests: ProgressRateStoreTests {
    override class var storeKind: StoreKind { .postgres }
    override func testAClaimHasNoRateAndNoETA() async throws { try await super.testAClaimHasNoRateAndNoETA() }
    override func testTheFirstChangeGivesTheSpeedSinceTheClaim() async throws { try await super.testTheFirstChangeGivesTheSpeedSinceTheClaim() }
    override func testLaterChangesAverageTheSpeeds() async throws { try await super.testLaterChangesAverageTheSpeeds() }
    override func testTheRateAndETAMatchTheCoreComputation() async throws { try await super.testTheRateAndETAMatchTheCoreComputation() }
    override func testReportingTheSameProgressKeepsTheRateAndETA() async throws { try await super.testReportingTheSameProgressKeepsTheRateAndETA() }
    override func testEveryReadOfTheTaskCarriesTheETA() async throws { try await super.testEveryReadOfTheTaskCarriesTheETA() }
    override func testBackwardsProgressResetsTheRate() async throws { try await super.testBackwardsProgressResetsTheRate() }
    override func testAHundredPercentHasNoETA() async throws { try await super.testAHundredPercentHasNoETA() }
    override func testANewClaimStartsTheRateOver() async throws { try await super.testANewClaimStartsTheRateOver() }
    override func testAFinishedTaskHasNoETA() async throws { try await super.testAFinishedTaskHasNoETA() }
    override func testAPendingTaskHasNoETA() async throws { try await super.testAPendingTaskHasNoETA() }
}

final class PostgresReapTests: ReapTests {
    override class var storeKind: StoreKind { .postgres }
    override func testLeaseIsNotReapedUntilAfterItsEnd() async throws { try await super.testLeaseIsNotReapedUntilAfterItsEnd() }
    override func testReapReturnsAnExpiredTaskToPendingWithLeaseExpiredHistory() async throws { try await super.testReapReturnsAnExpiredTaskToPendingWithLeaseExpiredHistory() }
    override func testTheExpiredAttemptCountsOnTheNextClaim() async throws { try await super.testTheExpiredAttemptCountsOnTheNextClaim() }
    override func testReapFailsATaskWithNoAttemptsLeft() async throws { try await super.testReapFailsATaskWithNoAttemptsLeft() }
    override func testReapCancelsACancelRequestedTask() async throws { try await super.testReapCancelsACancelRequestedTask() }
    override func testReapClearsAStall() async throws { try await super.testReapClearsAStall() }
    override func testReapEndsEveryExpiredLeaseOfAnyTypeAndLeavesLiveOnesAlone() async throws { try await super.testReapEndsEveryExpiredLeaseOfAnyTypeAndLeavesLiveOnesAlone() }
}

final class PostgresRetentionTests: RetentionTests {
    override class var storeKind: StoreKind { .postgres }
    override func testDeletesOnlyFinishedTasksThatFinishedBeforeTheCutoff() async throws { try await super.testDeletesOnlyFinishedTasksThatFinishedBeforeTheCutoff() }
    override func testDeletesInBatchesOfTheLimit() async throws { try await super.testDeletesInBatchesOfTheLimit() }
    override func testDeletesTheHistoryOfDeletedTasksOnly() async throws { try await super.testDeletesTheHistoryOfDeletedTasksOnly() }
    override func testALimitOfZeroDeletesNothing() async throws { try await super.testALimitOfZeroDeletesNothing() }
}

final class PostgresRetryBackoffTests: RetryBackoffTests {
    override class var storeKind: StoreKind { .postgres }
    override func testJitterZeroWaitsHalfTheDelay() async throws { try await super.testJitterZeroWaitsHalfTheDelay() }
    override func testJitterNearOneWaitsAlmostTheWholeDelay() async throws { try await super.testJitterNearOneWaitsAlmostTheWholeDelay() }
    override func testTheDelayDoublesWithEachAttemptUpToTheCap() async throws { try await super.testTheDelayDoublesWithEachAttemptUpToTheCap() }
    override func testARetryIsNotClaimableBeforeItIsDueAndClaimableFrom() async throws { try await super.testARetryIsNotClaimableBeforeItIsDueAndClaimableFrom() }
    override func testATaskWithoutBackoffIsDueAtOnce() async throws { try await super.testATaskWithoutBackoffIsDueAtOnce() }
}

final class PostgresStallTests: StallTests {
    override class var storeKind: StoreKind { .postgres }
    override func testATaskWithoutProgressIsMarkedStalledAfterTheStallTime() async throws { try await super.testATaskWithoutProgressIsMarkedStalledAfterTheStallTime() }
    override func testTheStallIsReportedInWholeSeconds() async throws { try await super.testTheStallIsReportedInWholeSeconds() }
    override func testAStalledTaskIsNotMarkedTwice() async throws { try await super.testAStalledTaskIsNotMarkedTwice() }
    override func testAProgressChangeClearsTheStallAndRestartsTheClock() async throws { try await super.testAProgressChangeClearsTheStallAndRestartsTheClock() }
    override func testTheSameProgressNeitherClearsTheStallNorRestartsTheClock() async throws { try await super.testTheSameProgressNeitherClearsTheStallNorRestartsTheClock() }
    override func testTheTypesStallSettingOverridesTheDefault() async throws { try await super.testTheTypesStallSettingOverridesTheDefault() }
    override func testADefaultOfZeroTurnsOffStallsOfTypesWithoutASetting() async throws { try await super.testADefaultOfZeroTurnsOffStallsOfTypesWithoutASetting() }
    override func testFinishedTasksAreNotMarkedOrShownStalled() async throws { try await super.testFinishedTasksAreNotMarkedOrShownStalled() }
    override func testStalledOnlyListsClaimedTasksMarkedStalled() async throws { try await super.testStalledOnlyListsClaimedTasksMarkedStalled() }
}

final class PostgresStatsTests: StatsTests {
    override class var storeKind: StoreKind { .postgres }
    override func testAnEmptyDatabaseHasNoCountsNoListsAndSixtyEmptyMinutes() async throws { try await super.testAnEmptyDatabaseHasNoCountsNoListsAndSixtyEmptyMinutes() }
    override func testCountsByStatusInStatusOrderAndByTypeInNameOrder() async throws { try await super.testCountsByStatusInStatusOrderAndByTypeInNameOrder() }
    override func testOnlyStatusesThatHaveTasksAreCounted() async throws { try await super.testOnlyStatusesThatHaveTasksAreCounted() }
    override func testOldestPendingAgeIsThatOfTheOldestPendingTaskDueOrNot() async throws { try await super.testOldestPendingAgeIsThatOfTheOldestPendingTaskDueOrNot() }
    override func testAverageProgressIsOverClaimedTasksOnly() async throws { try await super.testAverageProgressIsOverClaimedTasksOnly() }
    override func testInProgressListsClaimedTasksMostRecentlyClaimedFirstAsFullRows() async throws { try await super.testInProgressListsClaimedTasksMostRecentlyClaimedFirstAsFullRows() }
    override func testSlowTasksAreClaimedLongerThanTheThresholdBelow100PercentLongestFirst() async throws { try await super.testSlowTasksAreClaimedLongerThanTheThresholdBelow100PercentLongestFirst() }
    override func testAHugeSlowThresholdMakesNothingSlow() async throws { try await super.testAHugeSlowThresholdMakesNothingSlow() }
    override func testStalledListsStalledClaimedTasksLongestStalledFirst() async throws { try await super.testStalledListsStalledClaimedTasksLongestStalledFirst() }
    override func testEachListHoldsAtMost100Tasks() async throws { try await super.testEachListHoldsAtMost100Tasks() }
    override func testLastHourCountsFinishedTasksPerMinuteOldestFirst() async throws { try await super.testLastHourCountsFinishedTasksPerMinuteOldestFirst() }
}

final class PostgresTaskTypeTests: TaskTypeTests {
    override class var storeKind: StoreKind { .postgres }
    override func testRegisterCreatesThenUpdatesByName() async throws { try await super.testRegisterCreatesThenUpdatesByName() }
    override func testRegisterStoresSettingsAndAnUpdateReplacesThem() async throws { try await super.testRegisterStoresSettingsAndAnUpdateReplacesThem() }
    override func testRegisterReactivatesAnInactiveType() async throws { try await super.testRegisterReactivatesAnInactiveType() }
    override func testSetActiveOnUnknownTypeReturnsNil() async throws { try await super.testSetActiveOnUnknownTypeReturnsNil() }
    override func testLookupByNameReturnsUsageCountOrNil() async throws { try await super.testLookupByNameReturnsUsageCountOrNil() }
    override func testListOrdersByUsageThenNameAndFiltersActive() async throws { try await super.testListOrdersByUsageThenNameAndFiltersActive() }
}

final class PostgresWorkerCheckTests: WorkerCheckTests {
    override class var storeKind: StoreKind { .postgres }
    override func testUnknownTaskThrowsTaskNotFound() async throws { try await super.testUnknownTaskThrowsTaskNotFound() }
    override func testPendingTaskThrowsTaskNotClaimed() async throws { try await super.testPendingTaskThrowsTaskNotClaimed() }
    override func testFinishedTaskThrowsTaskNotClaimedEvenForAnotherWorker() async throws { try await super.testFinishedTaskThrowsTaskNotClaimedEvenForAnotherWorker() }
    override func testTaskOfAnotherWorkerThrowsClaimedByAnotherWorker() async throws { try await super.testTaskOfAnotherWorkerThrowsClaimedByAnotherWorker() }
}
