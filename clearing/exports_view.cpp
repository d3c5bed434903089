// A region's statement from its node's view of a settled period (settlement_view, the answer of
// query.settlement): how the node itself, `office statements` and the demo all fill it.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "clearing/exports.h"

namespace innoclear::clearing {

namespace {

RegionStatement statement_of(Region region, const nlohmann::json& view) {
  RegionStatement statement;
  statement.region = region;
  statement.period = view.at("period").get<std::string>();
  statement.from_ms = view.at("from_ms").get<std::int64_t>();
  statement.to_ms = view.at("to_ms").get<std::int64_t>();
  const nlohmann::json& settlement = view.at("settlement");
  statement.created_ms = settlement.at("settled").at("settled_ms").get<std::int64_t>();
  statement.settlement_sha256 = settlement.at("proposal").at("document_sha256").get<std::string>();
  const nlohmann::json& document = settlement.at("proposal").at("document");
  statement.net_position =
      document.at("positions").value(std::string(region_code(region)), std::int64_t{0});
  for (const nlohmann::json& item : document.at("transfers")) {
    Result<Region> payer = parse_region(item.at("payer").get<std::string>());
    Result<Region> payee = parse_region(item.at("payee").get<std::string>());
    if (!payer.ok() || !payee.ok()) throw std::invalid_argument("a transfer names no region");
    const Transfer transfer{*payer, *payee, item.at("amount").get<std::int64_t>()};
    if (transfer.payer == region || transfer.payee == region) {
      statement.transfers.push_back(transfer);
    }
  }
  return statement;
}

}  // namespace

Result<RegionStatement> region_statement(Region region, const nlohmann::json& view) {
  const auto settlement = view.find("settlement");
  if (!view.is_object() || settlement == view.end() || !settlement->is_object() ||
      !settlement->contains("settled")) {
    return Status(Code::period_open, "the period is not settled yet (every office must sign)");
  }
  RegionStatement statement;
  try {
    statement = statement_of(region, view);
  } catch (const std::exception& error) {
    return Status(Code::bad_statement, std::string("a malformed settlement: ") + error.what());
  }
  const auto lines = view.find("lines");
  if (lines == view.end() || !lines->is_array()) {
    return Status(Code::bad_statement, "a malformed settlement: no lines");
  }
  for (const nlohmann::json& item : *lines) {
    Result<ObligationLine> line = line_from_json(item);
    if (!line.ok()) return line.status();
    statement.lines.push_back(*line);
  }
  return statement;
}

std::vector<StatementFile> statement_files(const RegionStatement& statement,
                                           const std::vector<StatementFormat>& formats) {
  std::vector<StatementFile> files;
  const std::string code(region_code(statement.region));
  for (const StatementFormat format : formats) {
    switch (format) {
      case StatementFormat::csv:
        files.push_back({code + ".csv", statement_csv(statement)});
        break;
      case StatementFormat::camt053:
        files.push_back({code + ".camt053.xml", statement_camt053(statement)});
        break;
    }
  }
  return files;
}

}  // namespace innoclear::clearing
