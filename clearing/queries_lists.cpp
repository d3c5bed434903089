// What the portal's office and enterprise pages read that the other queries do not give: the
// applications (the office's approval queue, an enterprise's own), the clearing periods a node
// has a settlement record for — paged: `offset` (default 0) and `limit` (default 50, at most 500),
// each answer with its `total` — and a settled period's statement file, for download.
#include <algorithm>

#include "clearing/exports.h"
#include "clearing/kinds.h"
#include "clearing/queries.h"
#include "clearing/rules_internal.h"

namespace innoclear::clearing {

namespace {

constexpr std::int64_t page_default = 50;
constexpr std::int64_t page_max = 500;

struct Page {
  std::size_t offset = 0;
  std::size_t limit = page_default;
};

Result<Page> page_of(const nlohmann::json& body) {
  Page page;
  for (const char* name : {"offset", "limit"}) {
    if (!body.contains(name)) continue;
    Result<std::int64_t> value = detail::integer_field(body, name);
    if (!value.ok()) return value.status();
    const bool is_limit = std::string_view(name) == "limit";
    if (*value < (is_limit ? 1 : 0) || (is_limit && *value > page_max)) {
      return Status(Code::out_of_range,
                    std::string("'") + name + "' must be " + (is_limit ? "1 to 500" : "0 or more"));
    }
    (is_limit ? page.limit : page.offset) = static_cast<std::size_t>(*value);
  }
  return page;
}

// Rows [offset, offset + limit) of `rows`, and their total.
nlohmann::json paged(const std::string& name, const nlohmann::json& rows, const Page& page) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = page.offset; i < rows.size() && out.size() < page.limit; ++i) {
    out.push_back(rows[i]);
  }
  return {{name, std::move(out)}, {"offset", page.offset}, {"total", rows.size()}};
}

// The office: every application of its region; an enterprise: its own. Optionally only those in
// `state` (pending, approved, refused), ordered by enterprise and application id.
Result<nlohmann::json> applications(const Store& store, const Statement& statement,
                                    const nlohmann::json& actor, const EntryAt&) {
  Result<Page> page = page_of(statement.body);
  if (!page.ok()) return page.status();
  std::string state;
  if (statement.body.contains("state")) {
    Result<std::string> text = detail::text_field(statement.body, "state");
    if (!text.ok()) return text.status();
    if (*text != "pending" && *text != "approved" && *text != "refused") {
      return Status(Code::invalid_argument, "state is pending, approved or refused");
    }
    state = *text;
  }
  const bool office = actor.value("role", "") == "office";
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(Table::applications, office ? std::string() : key_of(statement.actor, ""));
  if (!rows.ok()) return rows.status();
  nlohmann::json chosen = nlohmann::json::array();
  for (auto& [key, application] : *rows) {
    if (state.empty() || application.value("status", "") == state) {
      chosen.push_back(std::move(application));
    }
  }
  return paged("applications", chosen, *page);
}

// The periods this node holds a settlement record for, newest first, with where each stands:
// closed (this region closed it), proposed (the settlement document exists), settled.
Result<nlohmann::json> periods(const Store& store, const Statement& statement,
                               const nlohmann::json&, const EntryAt&) {
  Result<Page> page = page_of(statement.body);
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
  return paged("periods", list, *page);
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

using T = FieldType;

constexpr Field application_list_fields[] = {
    {"state", T::text, false, "state",
     "only applications in this state: pending, approved, refused"},
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows at most (default 50, at most 500)"},
};
constexpr Field page_fields[] = {
    {"offset", T::integer, false, "offset", "rows to skip (default 0)"},
    {"limit", T::integer, false, "limit", "rows at most (default 50, at most 500)"},
};

constexpr Field statement_file_fields[] = {
    {"period", T::text, true, "period", "the settled period's name"},
    {"format", T::text, true, "format", "csv or camt053"},
};

constexpr Kind table[] = {
    {"query.applications", enterprise_role | office_role, Poster::client, nullptr, applications,
     "office", "applications",
     "applications: the office's approval queue (all of the region), an enterprise's own",
     application_list_fields},
    {"query.periods", office_role, Poster::client, nullptr, periods, "office", "periods",
     "the clearing periods closed so far and where each stands", page_fields},
    {"query.statement", office_role, Poster::client, nullptr, statement_file, "", "",
     "this region's statement of a settled period as a file (CSV or camt.053)",
     statement_file_fields},
};

}  // namespace

namespace detail {
constinit const std::span<const Kind> list_query_kinds{table};
}  // namespace detail

}  // namespace innoclear::clearing
