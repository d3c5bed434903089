// What the portal's office page reads that the other queries do not give: the clearing periods a
// node has a settlement record for (paged, see detail::page_of), and a settled period's statement
// file, for download.
#include <algorithm>

#include "clearing/exports.h"
#include "clearing/kinds.h"
#include "clearing/queries.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing {

namespace {

// The periods this node holds a settlement record for, newest first, with where each stands:
// closed (this region closed it), proposed (the settlement document exists), settled.
Result<nlohmann::json> list_periods(const Store& store, const Statement& statement,
                                    const nlohmann::json&, const EntryAt&) {
  Result<detail::Page> page = detail::page_of(statement.body);
  if (!page.ok()) return page.status();
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::settlements, "");
  if (!rows.ok()) return rows.status();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [period, record] : *rows) {
    const char* status = record.contains("settled")    ? "settled"
                         : record.contains("proposal") ? "proposed"
                                                       : "closed";
    list.push_back({{"from_ms", record.value("from_ms", std::int64_t{0})},
                    {"period", period},
                    {"signed_by_office", record.contains("office_signature")},
                    {"status", status}});
  }
  std::sort(list.begin(), list.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["from_ms"].get<std::int64_t>() > b["from_ms"].get<std::int64_t>();
  });
  return detail::paged(list, *page, "periods");
}

// The office's statement of a settled period, as the file `innoclear office statements` writes.
Result<nlohmann::json> statement_file(const Store& store, const Statement& statement,
                                      const nlohmann::json&, const EntryAt&) {
  Result<std::string> period = detail::text_field(statement.body, "period");
  Result<std::string> format = detail::text_field(statement.body, "format");
  if (!period.ok()) return period.status();
  if (!format.ok()) return format.status();
  if (*format != "csv" && *format != "camt053") {
    return Status(Code::invalid_argument, "format is csv or camt053");
  }
  Result<Region> region = parse_region(statement.region);
  if (!region.ok()) return region.status();
  Result<nlohmann::json> view = settlement_view(store, *region, *period);
  if (!view.ok()) return view.status();
  Result<RegionStatement> prepared = region_statement(*region, *view);
  if (!prepared.ok()) return prepared.status();
  const std::vector<StatementFile> files = statement_files(
      *prepared, {*format == "csv" ? StatementFormat::csv : StatementFormat::camt053});
  return nlohmann::json{
      {"name", files.at(0).name}, {"period", *period}, {"text", files.at(0).text}};
}

constexpr Field period_page_fields[] = {
    {"offset", FieldType::integer, false, "offset", "rows skipped, default 0"},
    {"limit", FieldType::integer, false, "limit", "rows answered, 1 to 500, default 50"},
};
constexpr Field statement_file_fields[] = {
    {"period", FieldType::text, true, "period", "the settled period's name"},
    {"format", FieldType::text, true, "format", "csv or camt053"},
};

constexpr Kind list_table[] = {
    {"query.periods", office_role, Poster::client, nullptr, list_periods, "office", "periods",
     "the clearing periods closed so far and where each stands", period_page_fields},
    {"query.statement", office_role, Poster::client, nullptr, statement_file, "", "",
     "this region's statement of a settled period as a file (CSV or camt.053)",
     statement_file_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> list_query_kinds{list_table};
}  // namespace detail

}  // namespace innoclear::clearing
