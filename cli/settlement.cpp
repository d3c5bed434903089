// A finance office's settlement verbs over its node's API (see settlement.h).
#include "cli/settlement.h"

#include "nodes/data_dir.h"

namespace innoclear::cli {

Result<nlohmann::json> sign_settlement(const Caller& office, const std::string& period,
                                       const std::string& expected_sha256) {
  Result<nlohmann::json> view = office("query.settlement", {{"period", period}});
  if (!view.ok()) return view;
  const nlohmann::json settlement = view->value("settlement", nlohmann::json());
  if (!settlement.is_object() || !settlement.contains("proposal") ||
      !settlement["proposal"].is_object() ||
      !settlement["proposal"].value("document_sha256", nlohmann::json()).is_string()) {
    return Status(Code::period_open, "no settlement of " + period +
                                         " is proposed yet: the period must end and every "
                                         "region close it (see `office settlement show`)");
  }
  const std::string digest = settlement["proposal"]["document_sha256"].get<std::string>();
  if (!expected_sha256.empty() && expected_sha256 != digest) {
    return Status(Code::statements_differ, "the node's settlement of " + period + " is " + digest +
                                               ", not " + expected_sha256 + ": nothing signed");
  }
  return office("settlement.sign", {{"document_sha256", digest}, {"period", period}});
}

Result<std::vector<std::filesystem::path>> write_statements(
    const Caller& office, clearing::Region region, const std::string& period,
    const std::vector<clearing::StatementFormat>& formats, const std::filesystem::path& dir) {
  Result<nlohmann::json> view = office("query.settlement", {{"period", period}});
  if (!view.ok()) return view.status();
  Result<clearing::RegionStatement> statement = clearing::region_statement(region, *view);
  if (!statement.ok()) return statement.status();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status(Code::io_error, "cannot create " + dir.string());
  std::vector<std::filesystem::path> written;
  for (const clearing::StatementFile& file : clearing::statement_files(*statement, formats)) {
    if (Status s = nodes::write_file_atomically(dir / file.name, file.text); !s.ok()) return s;
    written.push_back(dir / file.name);
  }
  return written;
}

}  // namespace innoclear::cli
