// A region's period statement as files. Both formats are pure functions of the RegionStatement.
// The CSV columns and the camt.053.001.08 mapping: see docs/formats.md, Statement exports.
#include "clearing/exports.h"

#include <array>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "clearing/amount.h"
#include "clearing/region.h"
#include "clearing/rules.h"

namespace innoclear::clearing {
namespace {

__extension__ typedef __int128 Wide;  // sums of int64 amounts cannot overflow it

// camt amounts allow 18 digits in all; with two after the point that is just under 10^16 yuan.
constexpr Wide camt_amount_fen_max = 999'999'999'999'999'999;
// The schema's MaxNText lengths, in characters (code points), not bytes.
constexpr std::size_t identifier_characters_max = 35;    // Max35Text: ids, codes
constexpr std::size_t account_id_characters_max = 34;    // Max34Text
constexpr std::size_t account_name_characters_max = 70;  // Max70Text
constexpr std::size_t party_name_characters_max = 140;   // Max140Text
constexpr std::size_t information_characters_max = 500;  // Max500Text
constexpr std::size_t unlimited = static_cast<std::size_t>(-1);

constexpr std::string_view camt_namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
constexpr std::string_view voucher_code = "INNOCLEAR-VOUCHER";
constexpr std::string_view settlement_code = "INNOCLEAR-SETTLEMENT";
constexpr std::string_view code_issuer = "innoclear";
// ISO 20022's agreed value for an end-to-end id the sender cannot give (here: longer than 35).
constexpr std::string_view end_to_end_id_absent = "NOTPROVIDED";

// ----- Values --------------------------------------------------------------------------------

std::string_view way_label(Way way) { return way == Way::provider ? "provider" : "pay_first"; }

std::string_view direction_label(std::int64_t signed_fen) {
  return signed_fen > 0 ? "receive" : signed_fen < 0 ? "pay" : "none";
}

// fen as "1234.56" for a magnitude.
std::string unsigned_yuan(std::uint64_t fen) {
  const std::uint64_t cents = fen % static_cast<std::uint64_t>(fen_per_yuan);
  return std::to_string(fen / static_cast<std::uint64_t>(fen_per_yuan)) +
         (cents < 10 ? ".0" : ".") + std::to_string(cents);
}

// |fen|, negated in unsigned arithmetic so INT64_MIN stays exact.
std::uint64_t magnitude_of(std::int64_t fen) {
  return fen < 0 ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
}

// fen as "-1234.56": files want a plain decimal, not format_yuan's "¥1,234.56".
std::string plain_yuan(std::int64_t fen) {
  std::string text = fen < 0 ? "-" : "";
  text += unsigned_yuan(magnitude_of(fen));
  return text;
}

// A camt amount (always a magnitude; the sign goes into CdtDbtInd).
std::string camt_yuan(Wide fen) {
  const Wide magnitude = fen < 0 ? -fen : fen;
  // No clearing produces 10^16 yuan; an amount that large is a caller's bug, not data.
  assert(magnitude <= camt_amount_fen_max);
  return unsigned_yuan(static_cast<std::uint64_t>(magnitude));
}

std::string_view credit_debit(Wide signed_fen) { return signed_fen < 0 ? "DBIT" : "CRDT"; }

std::chrono::sys_time<std::chrono::milliseconds> shanghai_clock(std::int64_t utc_ms) {
  return std::chrono::sys_time<std::chrono::milliseconds>(
      std::chrono::milliseconds(utc_ms + shanghai_offset_ms));
}

// "2026-11-30" in Asia/Shanghai.
std::string shanghai_date(std::int64_t utc_ms) {
  const std::chrono::year_month_day date(
      std::chrono::floor<std::chrono::days>(shanghai_clock(utc_ms)));
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

// "2026-11-30T23:59:59.999+08:00": Asia/Shanghai has had no daylight saving since 1991.
std::string shanghai_date_time(std::int64_t utc_ms) {
  const auto local = shanghai_clock(utc_ms);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> time(local - day);
  char text[32];
  std::snprintf(text, sizeof text, "T%02d:%02d:%02d.%03d+08:00",
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return shanghai_date(utc_ms) + text;
}

std::string office_name(Region region) {
  return std::string(region_name(region)) + " innovation voucher finance office";
}

std::string transfer_id(std::string_view period, const Transfer& transfer) {
  return "SETTLE-" + std::string(period) + "-" + std::string(region_code(transfer.payer)) + "-" +
         std::string(region_code(transfer.payee));
}

// What `region` is owed (+) or owes (−) for a line.
std::int64_t line_flow(const ObligationLine& line, Region region) {
  if (line.home == line.provider_region) return 0;  // inside one region: no clearing
  if (region == line.provider_region) return line.owed();
  if (region == line.home) return -line.owed();
  return 0;
}

// What `region` receives (+) or pays (−) by a transfer.
std::int64_t transfer_flow(const Transfer& transfer, Region region) {
  if (transfer.payer == transfer.payee) return 0;
  if (region == transfer.payee) return transfer.amount;
  if (region == transfer.payer) return -transfer.amount;
  return 0;
}

// ----- CSV -------------------------------------------------------------------------------------

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

// RFC 4180: a field holding a separator, a quote or a line break is quoted, its quotes doubled.
void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_row(std::string& out, std::span<const std::string_view> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, fields[i]);
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

// ----- XML -------------------------------------------------------------------------------------

constexpr char32_t replacement_character = 0xFFFD;

// Decodes the code point at `at` and moves past it. Malformed UTF-8 (overlong, surrogate, out of
// range, truncated) decodes to U+FFFD and moves one byte, so every input yields well-formed XML.
char32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 1;
  char32_t value = lead;
  char32_t minimum = 0;
  if (lead >= 0x80) {
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      value = lead & 0x1Fu;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      value = lead & 0x0Fu;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      value = lead & 0x07u;
      minimum = 0x10000;
    } else {
      ++at;
      return replacement_character;
    }
  }
  if (at + length > text.size()) {
    ++at;
    return replacement_character;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto continuation = static_cast<unsigned char>(text[at + i]);
    if ((continuation & 0xC0) != 0x80) {
      ++at;
      return replacement_character;
    }
    value = (value << 6) | (continuation & 0x3Fu);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++at;
    return replacement_character;
  }
  at += length;
  return value;
}

// XML 1.0 cannot carry most control characters at all, not even as references.
bool xml_allows(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// The reference that stands for `c` in XML text, or empty if it may stand for itself.
std::string_view reference_for(char32_t c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&apos;";
    case '\r':
      return "&#13;";  // a raw CR would be read back as LF
    default:
      return {};
  }
}

// `text` as XML character data: special characters escaped, characters XML cannot hold replaced
// by U+FFFD, cut after `characters_max` characters (the schema counts characters, not bytes).
std::string xml_text(std::string_view text, std::size_t characters_max) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0, characters = 0; at < text.size() && characters < characters_max;
       ++characters) {
    const std::size_t start = at;
    const char32_t c = next_code_point(text, at);
    if (const std::string_view reference = reference_for(c); !reference.empty()) {
      out += reference;
    } else if (c == replacement_character || !xml_allows(c)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out += text.substr(start, at - start);
    }
  }
  return out;
}

std::size_t character_count(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Writes indented elements; every text passes through xml_text. Built by appending: GCC 12 at -O3
// reports a false -Wrestrict for `"literal" + std::string&&`.
class XmlWriter {
 public:
  XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  void open(std::string_view tag, std::string_view attributes = {}) {
    start_tag(tag, attributes);
    out_ += '\n';
    open_.push_back(tag);
  }
  void close() {
    assert(!open_.empty());
    const std::string_view tag = open_.back();
    open_.pop_back();
    indent();
    end_tag(tag);
  }
  // <path[0]>…<path[n-1]>text</path[n-1]>…</path[0]>, the last element holding the text.
  void leaf(std::initializer_list<std::string_view> path, std::string_view text,
            std::size_t characters_max) {
    for (std::size_t i = 0; i + 1 < path.size(); ++i) open(path.begin()[i]);
    start_tag(path.end()[-1], {});
    out_ += xml_text(text, characters_max);
    end_tag(path.end()[-1]);
    for (std::size_t i = 0; i + 1 < path.size(); ++i) close();
  }
  void amount(std::string_view tag, Wide fen) {
    start_tag(tag, " Ccy=\"CNY\"");
    out_ += camt_yuan(fen);
    end_tag(tag);
  }
  std::string finish() {
    assert(open_.empty());
    return std::move(out_);
  }

 private:
  void indent() { out_.append(2 * open_.size(), ' '); }
  void start_tag(std::string_view tag, std::string_view attributes) {
    indent();
    out_ += '<';
    out_ += tag;
    out_ += attributes;
    out_ += '>';
  }
  void end_tag(std::string_view tag) {
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }

  std::string out_;
  std::vector<std::string_view> open_;  // element names are literals: the views stay valid
};

// ----- camt.053 ------------------------------------------------------------------------------

struct CamtEntry {
  std::int64_t signed_fen = 0;  // + credit, − debit to the region's clearing account
  std::string_view code;        // voucher_code or settlement_code
  std::string reference;        // the line's request id or the transfer's id
  Region debtor = Region::BJ;
  Region creditor = Region::BJ;
  std::int64_t value_ms = 0;
  std::string information;
};

std::string line_information(const ObligationLine& line) {
  return "Provider redemption " + line.id + ": voucher " + line.voucher_id + " of " +
         std::string(region_code(line.home)) + " enterprise " + line.enterprise +
         " redeemed with provider " + line.provider + " in " +
         std::string(region_code(line.provider_region));
}

std::string transfer_information(const Transfer& transfer, std::string_view id) {
  std::string text = "Settlement transfer ";
  text += id;
  text += ": ";
  text += region_code(transfer.payer);
  text += " pays ";
  text += region_code(transfer.payee);
  text += " CNY ";
  text += plain_yuan(transfer.amount);
  return text;
}

std::vector<CamtEntry> camt_entries(const RegionStatement& statement) {
  std::vector<CamtEntry> entries;
  for (const ObligationLine& line : statement.lines) {
    // Pay-first lines (owed 0) and lines between two other regions move nothing here.
    const std::int64_t flow = line_flow(line, statement.region);
    if (flow == 0) continue;
    entries.push_back({flow, voucher_code, line.id, line.home, line.provider_region,
                       statement.to_ms - 1, line_information(line)});
  }
  for (const Transfer& transfer : statement.transfers) {
    const std::int64_t flow = transfer_flow(transfer, statement.region);
    if (flow == 0) continue;
    const std::string id = transfer_id(statement.period, transfer);
    // Reversed: paying settles a debit balance, being paid out settles a credit (file comment).
    entries.push_back({-flow, settlement_code, id, transfer.payer, transfer.payee,
                       statement.created_ms, transfer_information(transfer, id)});
  }
  return entries;
}

struct Totals {
  std::uint64_t count = 0;
  Wide sum = 0;  // of magnitudes
  Wide net = 0;  // signed
};

template <typename Keep>
Totals totals_of(std::span<const CamtEntry> entries, Keep keep) {
  Totals totals;
  for (const CamtEntry& entry : entries) {
    if (!keep(entry)) continue;
    ++totals.count;
    totals.sum += entry.signed_fen < 0 ? -static_cast<Wide>(entry.signed_fen) : entry.signed_fen;
    totals.net += entry.signed_fen;
  }
  return totals;
}

void write_account(XmlWriter& xml, Region region) {
  const std::string code(region_code(region));
  xml.open("Acct");
  xml.open("Id");
  xml.leaf({"Othr", "Id"}, "INNOCLEAR-CLEARING-" + code, account_id_characters_max);
  xml.close();
  xml.leaf({"Ccy"}, "CNY", unlimited);
  xml.leaf({"Nm"}, "innoclear clearing account " + code, account_name_characters_max);
  xml.leaf({"Ownr", "Nm"}, office_name(region), party_name_characters_max);
  xml.close();
}

void write_balance(XmlWriter& xml, std::string_view type, Wide fen, std::int64_t at_ms) {
  xml.open("Bal");
  xml.leaf({"Tp", "CdOrPrtry", "Cd"}, type, unlimited);
  xml.amount("Amt", fen);
  xml.leaf({"CdtDbtInd"}, credit_debit(fen), unlimited);
  xml.leaf({"Dt", "DtTm"}, shanghai_date_time(at_ms), unlimited);
  xml.close();
}

void write_bank_transaction_code(XmlWriter& xml, std::string_view code) {
  xml.open("BkTxCd");
  xml.open("Prtry");
  xml.leaf({"Cd"}, code, identifier_characters_max);
  xml.leaf({"Issr"}, code_issuer, identifier_characters_max);
  xml.close();
  xml.close();
}

// NumberAndSumOfTransactions, with the net when `with_net`.
void write_count_and_sum(XmlWriter& xml, const Totals& totals, bool with_net) {
  xml.leaf({"NbOfNtries"}, std::to_string(totals.count), unlimited);
  xml.leaf({"Sum"}, camt_yuan(totals.sum), unlimited);
  if (!with_net) return;
  xml.open("TtlNetNtry");
  xml.leaf({"Amt"}, camt_yuan(totals.net), unlimited);
  xml.leaf({"CdtDbtInd"}, credit_debit(totals.net), unlimited);
  xml.close();
}

void write_summary(XmlWriter& xml, std::span<const CamtEntry> entries) {
  xml.open("TxsSummry");
  xml.open("TtlNtries");
  write_count_and_sum(xml, totals_of(entries, [](const CamtEntry&) { return true; }), true);
  xml.close();
  xml.open("TtlCdtNtries");
  write_count_and_sum(
      xml, totals_of(entries, [](const CamtEntry& entry) { return entry.signed_fen > 0; }), false);
  xml.close();
  xml.open("TtlDbtNtries");
  write_count_and_sum(
      xml, totals_of(entries, [](const CamtEntry& entry) { return entry.signed_fen < 0; }), false);
  xml.close();
  // Per code, so a reader sees the vouchers net to ITBD and the settlement bring it back to 0.
  for (std::string_view code : {voucher_code, settlement_code}) {
    const Totals totals =
        totals_of(entries, [code](const CamtEntry& entry) { return entry.code == code; });
    if (totals.count == 0) continue;
    xml.open("TtlNtriesPerBkTxCd");
    write_count_and_sum(xml, totals, true);
    write_bank_transaction_code(xml, code);
    xml.close();
  }
  xml.close();
}

void write_entry_details(XmlWriter& xml, const CamtEntry& entry) {
  xml.open("NtryDtls");
  xml.open("TxDtls");
  // The full reference is always in AddtlNtryInf; EndToEndId carries it only where it fits.
  const std::size_t length = character_count(entry.reference);
  const bool fits = length > 0 && length <= identifier_characters_max;
  xml.leaf({"Refs", "EndToEndId"}, fits ? std::string_view(entry.reference) : end_to_end_id_absent,
           identifier_characters_max);
  xml.open("RltdPties");
  xml.leaf({"Dbtr", "Pty", "Nm"}, office_name(entry.debtor), party_name_characters_max);
  xml.leaf({"Cdtr", "Pty", "Nm"}, office_name(entry.creditor), party_name_characters_max);
  xml.close();
  xml.close();
  xml.close();
}

void write_entry(XmlWriter& xml, const CamtEntry& entry, std::int64_t booked_ms) {
  xml.open("Ntry");
  xml.amount("Amt", entry.signed_fen);
  xml.leaf({"CdtDbtInd"}, credit_debit(entry.signed_fen), unlimited);
  xml.leaf({"Sts", "Cd"}, "BOOK", unlimited);
  xml.leaf({"BookgDt", "Dt"}, shanghai_date(booked_ms), unlimited);
  xml.leaf({"ValDt", "Dt"}, shanghai_date(entry.value_ms), unlimited);
  write_bank_transaction_code(xml, entry.code);
  write_entry_details(xml, entry);
  xml.leaf({"AddtlNtryInf"}, entry.information, information_characters_max);
  xml.close();
}

void write_statement(XmlWriter& xml, const RegionStatement& statement, std::string_view id) {
  const std::vector<CamtEntry> entries = camt_entries(statement);
  const std::int64_t period_last_ms = statement.to_ms - 1;  // to_ms is exclusive
  const Totals all = totals_of(entries, [](const CamtEntry&) { return true; });
  xml.open("Stmt");
  xml.leaf({"Id"}, id, identifier_characters_max);
  xml.leaf({"CreDtTm"}, shanghai_date_time(statement.created_ms), unlimited);
  xml.open("FrToDt");
  xml.leaf({"FrDtTm"}, shanghai_date_time(statement.from_ms), unlimited);
  xml.leaf({"ToDtTm"}, shanghai_date_time(period_last_ms), unlimited);
  xml.close();
  write_account(xml, statement.region);
  write_balance(xml, "OPBD", 0, statement.from_ms);
  write_balance(xml, "ITBD", statement.net_position, period_last_ms);
  write_balance(xml, "CLBD", all.net, period_last_ms);
  write_summary(xml, entries);
  for (const CamtEntry& entry : entries) write_entry(xml, entry, period_last_ms);
  xml.leaf({"AddtlStmtInf"},
           "innoclear clearing period " + statement.period +
               ". ITBD: the net position before settlement. Settlement document SHA-256 " +
               statement.settlement_sha256,
           information_characters_max);
  xml.close();
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

std::string statement_camt053(const RegionStatement& statement) {
  // One id per region and period: re-exporting a period yields the same message, not a new one.
  const std::string id =
      "INNOCLEAR-" + std::string(region_code(statement.region)) + "-" + statement.period;
  XmlWriter xml;
  std::string namespace_attribute = " xmlns=\"";
  namespace_attribute += camt_namespace;
  namespace_attribute += '"';
  xml.open("Document", namespace_attribute);
  xml.open("BkToCstmrStmt");
  xml.open("GrpHdr");
  xml.leaf({"MsgId"}, id, identifier_characters_max);
  xml.leaf({"CreDtTm"}, shanghai_date_time(statement.created_ms), unlimited);
  xml.close();
  write_statement(xml, statement, id);
  xml.close();
  xml.close();
  return xml.finish();
}

}  // namespace innoclear::clearing
