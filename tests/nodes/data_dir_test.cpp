// A node's data directory: what `init` creates and who may read it.
#include "nodes/data_dir.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::nodes;

namespace {

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// Restores the process umask when the test ends.
struct Umask {
  mode_t previous;
  explicit Umask(mode_t mask) : previous(::umask(mask)) {}
  ~Umask() { ::umask(previous); }
};

}  // namespace

TEST_CASE("init leaves directories 0700 and keys and node.json 0600, whatever the umask",
          "[data_dir]") {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    testing::TempDir dir{"data-dir"};
    const DataDir data{dir.path() / "BJ"};
    {
      const Umask open_umask(mask);
      REQUIRE(init_data_dir(data, clearing::Region::BJ).ok());
    }
    for (const auto& directory : {data.root, data.root / "tls", data.ledger_dir()}) {
      CHECK(mode_of(directory) == 0700);
    }
    for (const auto& file :
         {data.identity_file(), data.key_file(), data.office_key_file(), data.tls_key()}) {
      CHECK(mode_of(file) == 0600);
    }
  }
}

TEST_CASE("a file written atomically is 0600 and replaces the old one whole", "[data_dir]") {
  testing::TempDir dir{"atomic"};
  const Umask open_umask(0);
  const auto path = dir.path() / "state.json";
  REQUIRE(write_file_atomically(path, "old\n").ok());
  REQUIRE(write_file_atomically(path, "new\n").ok());
  CHECK(mode_of(path) == 0600);
  Result<std::string> text = read_small_file(path, 100);
  REQUIRE(text.ok());
  CHECK(*text == "new\n");
  CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}
