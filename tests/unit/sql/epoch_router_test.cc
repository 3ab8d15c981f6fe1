// EpochRouter: deterministic routing of source transactions to parallel
// apply workers inside an epoch (sql/epoch_router.h).
#include "galaxis/sql/epoch_router.h"

#include <gtest/gtest.h>

#include "galaxis/common/error.h"
#include "write_set_fixture.h"

namespace galaxis::sql {
namespace {

WriteSet tokens(std::initializer_list<uint64_t> list) {
  WriteSet set;
  for (uint64_t t : list) set.add(t);
  set.finish();
  return set;
}

// Routes and assigns; returns the worker or -1 for "end the epoch first".
int take(EpochRouter& router, const WriteSet& set, size_t rows) {
  auto worker = router.route(set);
  if (!worker) return -1;
  router.assign(*worker, set, rows);
  return static_cast<int>(*worker);
}

TEST(EpochRouterTest, DisjointTransactionsGoToTheWorkerWithFewestRowsLowestIndexOnTies) {
  EpochRouter router(3);
  EXPECT_EQ(take(router, tokens({1}), 4), 0);
  EXPECT_EQ(take(router, tokens({2}), 1), 1);
  EXPECT_EQ(take(router, tokens({3}), 1), 2);
  EXPECT_EQ(take(router, tokens({4}), 1), 1);  // 4,1,1 rows: worker 1 (tie with 2, lower index)
  EXPECT_EQ(take(router, tokens({5}), 9), 2);
  EXPECT_EQ(router.worker_rows(), (std::vector<size_t>{4, 2, 10}));
  EXPECT_EQ(router.transactions(), 5u);
  EXPECT_EQ(router.rows(), 16u);
}

TEST(EpochRouterTest, ATransactionSharingATokenFollowsItsOwnerWhateverTheLoad) {
  EpochRouter router(2);
  EXPECT_EQ(take(router, tokens({10, 11}), 100), 0);
  EXPECT_EQ(take(router, tokens({20}), 1), 1);
  EXPECT_EQ(take(router, tokens({11, 30}), 1), 0);  // shares 11 with worker 0, though it has more rows
  EXPECT_EQ(take(router, tokens({30}), 1), 0);      // 30 is worker 0's now
}

TEST(EpochRouterTest, AConflictWithTwoWorkersEndsTheEpochAndANewEpochStartsFresh) {
  EpochRouter router(2);
  EXPECT_EQ(take(router, tokens({1}), 1), 0);
  EXPECT_EQ(take(router, tokens({2}), 1), 1);
  EXPECT_EQ(take(router, tokens({1, 2}), 1), -1);
  EXPECT_EQ(router.transactions(), 2u);  // the conflicting one was not assigned
  router.clear();
  EXPECT_TRUE(router.empty());
  EXPECT_EQ(take(router, tokens({1, 2}), 1), 0);
  EXPECT_EQ(take(router, tokens({2}), 1), 0);
}

TEST(EpochRouterTest, ABarrierRunsAloneOnWorkerZeroAsAnEpochOfItsOwn) {
  EpochRouter router(3);
  WriteSet ddl = tokens({1});
  ddl.make_barrier("DDL");
  // At the start of an epoch: no cut before it, one after.
  EXPECT_EQ(router.place(ddl), (EpochRouter::Placement{false, 0, true}));
  take(router, tokens({5}), 1);
  take(router, tokens({6}), 1);
  // After other transactions: the epoch ends before and after it, whatever its tokens.
  EXPECT_EQ(router.place(ddl), (EpochRouter::Placement{true, 0, true}));
}

TEST(EpochRouterTest, PlacementOfAConflictEndsTheEpochFirstAndStartsOnWorkerZero) {
  EpochRouter router(3);
  take(router, tokens({1}), 1);
  take(router, tokens({2}), 1);
  EXPECT_EQ(router.place(tokens({2, 7})), (EpochRouter::Placement{false, 1, false}));
  EXPECT_EQ(router.place(tokens({1, 2})), (EpochRouter::Placement{true, 0, false}));
}

TEST(EpochRouterTest, RoutingIsAFunctionOfTheSequenceAlone) {
  // The same sequence routed twice (the first run and a recovery) gives the same workers.
  std::vector<WriteSet> sequence;
  for (uint64_t i = 0; i < 200; ++i) sequence.push_back(tokens({i % 17, 1000 + i % 5 * (i % 3)}));
  auto route_all = [&] {
    EpochRouter router(4);
    std::vector<int> out;
    for (size_t i = 0; i < sequence.size(); ++i) {
      int w = take(router, sequence[i], i % 7 + 1);
      if (w < 0) {
        router.clear();
        w = 100 + take(router, sequence[i], i % 7 + 1);
      }
      out.push_back(w);
    }
    return out;
  };
  EXPECT_EQ(route_all(), route_all());
}

TEST(EpochRouterTest, ReservedModeKeepsWorkerZeroFreeOfRowsButNotOfBarriers) {
  EpochRouter router(3);
  router.set_mode(EpochRouter::Mode::kReserved);
  EXPECT_EQ(take(router, tokens({1}), 4), 1);
  EXPECT_EQ(take(router, tokens({2}), 1), 2);
  EXPECT_EQ(take(router, tokens({3}), 1), 2);
  EXPECT_EQ(router.worker_rows(), (std::vector<size_t>{0, 4, 2}));
  EXPECT_EQ(router.place(tokens({1, 2})), (EpochRouter::Placement{true, 1, false}));
  WriteSet ddl = tokens({});
  ddl.make_barrier("DDL");
  EXPECT_EQ(router.place(ddl), (EpochRouter::Placement{true, 0, true}));
  EpochRouter one(1);
  one.set_mode(EpochRouter::Mode::kReserved);
  EXPECT_EQ(take(one, tokens({1}), 1), 0);  // nobody else to route to
}

TEST(EpochRouterTest, SingleModeSendsEverythingToWorkerZeroWithoutConflictCuts) {
  EpochRouter router(4);
  router.set_mode(EpochRouter::Mode::kSingle);
  EXPECT_EQ(take(router, tokens({1}), 1), 0);
  EXPECT_EQ(take(router, tokens({2}), 1), 0);
  EXPECT_EQ(router.place(tokens({1, 2})), (EpochRouter::Placement{false, 0, false}));
  EXPECT_THROW(router.set_mode(EpochRouter::Mode::kParallel), Error);  // inside an epoch
  router.clear();
  router.set_mode(EpochRouter::Mode::kParallel);
  EXPECT_EQ(take(router, tokens({1}), 1), 0);
  EXPECT_EQ(take(router, tokens({2}), 1), 1);
}

TEST(EpochRouterTest, SharedTokensSpreadButTheirExclusiveTwinOrdersAgainstEveryHolder) {
  EpochRouter router(3);
  EXPECT_EQ(take(router, write_set_of({1}, {100}), 1), 0);
  EXPECT_EQ(take(router, write_set_of({2}, {100}), 1), 1) << "a shared token does not pull";
  EXPECT_EQ(take(router, write_set_of({3}, {100}), 1), 2);
  EXPECT_EQ(router.route(write_set_of({100}, {})), std::nullopt) << "the exclusive twin: held by three workers";
  EpochRouter one(3);
  EXPECT_EQ(take(one, write_set_of({1}, {100}), 5), 0);
  EXPECT_EQ(take(one, write_set_of({100}, {}), 1), 0) << "one shared holder: follow it";
  EXPECT_EQ(take(one, write_set_of({2}, {100}), 1), 0) << "the exclusive holder pulls a shared token";
  EXPECT_EQ(take(one, write_set_of({3}, {101}), 1), 1);
  one.clear();
  EXPECT_EQ(take(one, write_set_of({100}, {}), 1), 0);
  EXPECT_EQ(take(one, write_set_of({4}, {}), 1), 1) << "cleared with the epoch";
}

TEST(EpochRouterTest, WorkerCountIsChecked) {
  EXPECT_THROW(EpochRouter{0}, Error);
  EXPECT_THROW(EpochRouter{65}, Error);
}

}  // namespace
}  // namespace galaxis::sql
