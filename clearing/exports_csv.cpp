// The period statement as CSV, for a finance office's people and spreadsheets: one header line,
// then a row per obligation line, per settlement transfer, and the net position last.
#include <array>
#include <span>
#include <string_view>

#include "clearing/exports_internal.h"
#include "clearing/region.h"

namespace innoclear::clearing {
namespace {

using exports_detail::line_flow;
using exports_detail::magnitude_of;
using exports_detail::plain_yuan;
using exports_detail::shanghai_date_time;
using exports_detail::transfer_flow;
using exports_detail::transfer_id;
using exports_detail::unsigned_yuan;

std::string_view way_label(Way way) { return way == Way::provider ? "provider" : "pay_first"; }

std::string_view direction_label(std::int64_t signed_fen) {
  return signed_fen > 0 ? "receive" : signed_fen < 0 ? "pay" : "none";
}

constexpr std::array<std::string_view, 14> csv_columns = {
    "record",      "id",         "way",      "from_region",      "to_region",
    "voucher_id",  "enterprise", "provider", "ledger_index",     "amount_yuan",
    "signed_yuan", "direction",  "time",     "settlement_sha256"};

// One CSV row: the members are the columns, in the order of csv_columns.
struct CsvRow {
  std::string record{};
  std::string id{};
  std::string way{};
  std::string from_region{};
  std::string to_region{};
  std::string voucher_id{};
  std::string enterprise{};
  std::string provider{};
  std::string ledger_index{};
  std::string amount_yuan{};
  std::string signed_yuan{};
  std::string direction{};
  std::string time{};
  std::string settlement_sha256{};
};

// The columns holding numbers (amounts, indexes), which a spreadsheet must read as numbers.
constexpr std::array<bool, csv_columns.size()> numeric_columns = {
    false, false, false, false, false, false, false, false, true, true, true, false, false, false};

// A text cell a spreadsheet would take for a formula (=, +, -, @, or a tab or carriage return
// before one): OWASP's CSV injection advice is to prefix a single quote and quote the cell.
bool looks_like_formula(std::string_view field) {
  return !field.empty() &&
         std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
}

// RFC 4180: a field holding a separator, a quote or a line break is quoted, its quotes doubled.
// A text field that looks like a formula is neutralised; numbers are written as they are.
void append_csv_field(std::string& out, std::string_view field, bool numeric) {
  const bool formula = !numeric && looks_like_formula(field);
  if (!formula && field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_row(std::string& out, std::span<const std::string_view> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, fields[i], i < numeric_columns.size() && numeric_columns[i]);
  }
  out += '\n';
}

void append_csv_row(std::string& out, const CsvRow& row) {
  const std::array<std::string_view, csv_columns.size()> fields = {
      row.record,      row.id,         row.way,      row.from_region,      row.to_region,
      row.voucher_id,  row.enterprise, row.provider, row.ledger_index,     row.amount_yuan,
      row.signed_yuan, row.direction,  row.time,     row.settlement_sha256};
  append_csv_row(out, fields);
}

CsvRow csv_line(const ObligationLine& line, Region region) {
  const std::int64_t flow = line_flow(line, region);
  return {.record = "line",
          .id = line.id,
          .way = std::string(way_label(line.way)),
          .from_region = std::string(region_code(line.home)),
          .to_region = std::string(region_code(line.provider_region)),
          .voucher_id = line.voucher_id,
          .enterprise = line.enterprise,
          .provider = line.provider,
          .ledger_index = std::to_string(line.index),
          .amount_yuan = plain_yuan(line.amount),
          .signed_yuan = plain_yuan(flow),
          .direction = std::string(direction_label(flow))};
}

CsvRow csv_transfer(const RegionStatement& statement, const Transfer& transfer) {
  const std::int64_t flow = transfer_flow(transfer, statement.region);
  return {.record = "transfer",
          .id = transfer_id(statement.period, transfer),
          .from_region = std::string(region_code(transfer.payer)),
          .to_region = std::string(region_code(transfer.payee)),
          .amount_yuan = plain_yuan(transfer.amount),
          .signed_yuan = plain_yuan(flow),
          .direction = std::string(direction_label(flow)),
          .time = shanghai_date_time(statement.created_ms),
          .settlement_sha256 = statement.settlement_sha256};
}

CsvRow csv_net(const RegionStatement& statement) {
  const std::int64_t net = statement.net_position;
  return {.record = "net",
          .id = statement.period,
          .amount_yuan = unsigned_yuan(magnitude_of(net)),
          .signed_yuan = plain_yuan(net),
          .direction = std::string(direction_label(net)),
          .time = shanghai_date_time(statement.created_ms),
          .settlement_sha256 = statement.settlement_sha256};
}

}  // namespace

std::string statement_csv(const RegionStatement& statement) {
  std::string out;
  append_csv_row(out, csv_columns);
  for (const ObligationLine& line : statement.lines) {
    append_csv_row(out, csv_line(line, statement.region));
  }
  for (const Transfer& transfer : statement.transfers) {
    append_csv_row(out, csv_transfer(statement, transfer));
  }
  append_csv_row(out, csv_net(statement));
  return out;
}

}  // namespace innoclear::clearing
