// The backend mode's journal: what is appended survives a reopen until it
// is confirmed, a torn last frame is cut off, confirmed segments go.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backend_journal.h"

using torchprov::endpoint::BackendJournal;
namespace fs = std::filesystem;

namespace {

class BackendJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("torchprov-journal-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

}  // namespace

TEST_F(BackendJournalTest, KeepsEntriesAcrossReopenUntilConfirmed) {
  {
    BackendJournal journal(dir_);
    EXPECT_EQ(journal.append(BackendJournal::Kind::insert, "", "<a> <b> <c> .\n"), 1u);
    EXPECT_EQ(journal.append(BackendJournal::Kind::drop_graph, "http://ex/g", ""), 2u);
    EXPECT_EQ(journal.append(BackendJournal::Kind::update, "", "update=x"), 3u);
    journal.confirm(1);
  }
  BackendJournal journal(dir_);
  EXPECT_EQ(journal.last_sequence(), 3u);
  EXPECT_EQ(journal.confirmed_sequence(), 1u);
  const auto pending = journal.pending(1 << 20);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].sequence, 2u);
  EXPECT_EQ(pending[0].kind, BackendJournal::Kind::drop_graph);
  EXPECT_EQ(pending[0].graph, "http://ex/g");
  EXPECT_EQ(pending[1].payload, "update=x");
  journal.confirm(3);
  EXPECT_TRUE(journal.pending(1 << 20).empty());
  EXPECT_EQ(journal.append(BackendJournal::Kind::insert, "", "x"), 4u);
}

TEST_F(BackendJournalTest, PendingReadsOnInBoundedBatches) {
  BackendJournal journal(dir_);
  const std::string payload(1000, 'x');
  for (int i = 0; i < 50; ++i) journal.append(BackendJournal::Kind::insert, "", payload);
  std::uint64_t seen = 0;
  while (true) {
    const auto batch = journal.pending(10'000);
    if (batch.empty()) break;
    EXPECT_LE(batch.size(), 10u);
    for (const auto& entry : batch) EXPECT_EQ(entry.sequence, ++seen);
    journal.confirm(batch.back().sequence);
  }
  EXPECT_EQ(seen, 50u);
}

TEST_F(BackendJournalTest, CutsOffATornLastFrame) {
  {
    BackendJournal journal(dir_);
    journal.append(BackendJournal::Kind::insert, "", "first");
    journal.append(BackendJournal::Kind::insert, "", "second, torn by a crash");
  }
  fs::path segment;
  for (const auto& file : fs::directory_iterator(dir_ / "backend-journal"))
    if (file.path().extension() == ".log") segment = file.path();
  ASSERT_FALSE(segment.empty());
  fs::resize_file(segment, fs::file_size(segment) - 5);
  BackendJournal journal(dir_);
  const auto pending = journal.pending(1 << 20);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].payload, "first");
  EXPECT_EQ(journal.append(BackendJournal::Kind::insert, "", "third"), 2u);
  EXPECT_EQ(journal.pending(1 << 20).back().payload, "third");
}

TEST_F(BackendJournalTest, SetsRefusedBatchesAsideWithTheReason) {
  BackendJournal journal(dir_);
  journal.append(BackendJournal::Kind::insert, "", "<a> <b> \"1\" .\n");
  const auto entry = journal.pending(1 << 20).at(0);
  const auto kept = journal.set_aside(entry, "HTTP 400: bad literal");
  journal.confirm(entry.sequence);
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_EQ(journal.rejected_count(), 1u);
  std::ifstream why(dir_ / "backend-rejected" / "1.why");
  std::string text((std::istreambuf_iterator<char>(why)), {});
  EXPECT_NE(text.find("HTTP 400: bad literal"), std::string::npos) << text;
}
