// A region's period statement as files for its finance office (CSV) and its bank (camt.053): what
// the rows say, how amounts and names are written, and that every camt statement is valid against
// the ISO 20022 schema (checked by xmllint, which must be installed: libxml2-utils).
#include "clearing/exports.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

using namespace innoclear::clearing;

namespace {

// UTC ms of a wall-clock time in Asia/Shanghai (UTC+8).
std::int64_t shanghai_ms(std::chrono::year_month_day date, int hour = 0) {
  using namespace std::chrono;
  const auto utc = sys_days(date) + hours(hour) - hours(8);
  return duration_cast<milliseconds>(utc.time_since_epoch()).count();
}

ObligationLine line(std::string id, Way way, Region home, Region provider_region,
                    std::int64_t amount) {
  ObligationLine result;
  result.voucher_id = "V-" + id;
  result.id = std::move(id);
  result.way = way;
  result.home = home;
  result.provider_region = provider_region;
  result.enterprise = "91110000MA01234567";
  result.provider = "provider.lab";
  result.amount = amount;
  result.index = 42;
  return result;
}

// November 2026, settled on 1 December at 10:00 Shanghai time. The federation's lines: TJ's
// voucher redeemed with a BJ provider (¥1,234.56), BJ's voucher with a HE provider (¥500.00), and
// a pay-first redemption of a BJ voucher in GZ (¥70.00). Positions: BJ +734.56, TJ −1234.56,
// HE +500.00; settlement: TJ pays BJ 734.56 and HE 500.00.
RegionStatement november(Region region) {
  using namespace std::chrono;
  RegionStatement statement;
  statement.region = region;
  statement.period = "2026-11";
  statement.from_ms = shanghai_ms(year(2026) / 11 / 1);
  statement.to_ms = shanghai_ms(year(2026) / 12 / 1);
  statement.created_ms = shanghai_ms(year(2026) / 12 / 1, 10);
  statement.settlement_sha256 = std::string(64, 'a');
  return statement;
}

const ObligationLine tianjin_voucher_in_beijing =
    line("R-TJ-1", Way::provider, Region::TJ, Region::BJ, 123'456);
const ObligationLine beijing_voucher_in_hebei =
    line("R-BJ-1", Way::provider, Region::BJ, Region::HE, 50'000);
const ObligationLine beijing_voucher_paid_first =
    line("R-BJ-2", Way::pay_first, Region::BJ, Region::GZ, 7'000);

RegionStatement beijing() {
  RegionStatement statement = november(Region::BJ);
  statement.lines = {tianjin_voucher_in_beijing, beijing_voucher_in_hebei,
                     beijing_voucher_paid_first};
  statement.net_position = 73'456;
  statement.transfers = {{Region::TJ, Region::BJ, 73'456}};
  return statement;
}

RegionStatement tianjin() {
  RegionStatement statement = november(Region::TJ);
  statement.lines = {tianjin_voucher_in_beijing};
  statement.net_position = -123'456;
  statement.transfers = {{Region::TJ, Region::BJ, 73'456}, {Region::TJ, Region::HE, 50'000}};
  return statement;
}

std::vector<std::string> rows_of(const std::string& csv) {
  std::vector<std::string> rows;
  std::istringstream in(csv);
  for (std::string row; std::getline(in, row);) rows.push_back(row);
  return rows;
}

std::vector<std::string> fields_of(const std::string& row) {
  std::vector<std::string> fields(1);
  for (char c : row) {
    if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// The XML without its indentation, so tests can look for nested tags: "<Sts><Cd>".
std::string compact(const std::string& xml) {
  std::string out;
  for (std::size_t at = 0; at < xml.size(); ++at) {
    if (xml[at] != '\n') {
      out += xml[at];
      continue;
    }
    while (at + 1 < xml.size() && xml[at + 1] == ' ') ++at;
  }
  return out;
}

std::string camt(const RegionStatement& statement) { return compact(statement_camt053(statement)); }

// The first text after `open_tag` ("<CdtDbtInd>") up to the next tag.
std::string text_after(const std::string& xml, const std::string& open_tag) {
  const std::size_t at = xml.find(open_tag);
  REQUIRE(at != std::string::npos);
  const std::size_t start = at + open_tag.size();
  return xml.substr(start, xml.find('<', start) - start);
}

// "734.56 CRDT": the balance of a type (OPBD, ITBD, CLBD) in a camt statement.
std::string balance(const std::string& xml, const std::string& type) {
  const std::size_t at = xml.find("<Cd>" + type + "</Cd>");
  REQUIRE(at != std::string::npos);
  const std::string rest = xml.substr(at);
  return text_after(rest, "<Amt Ccy=\"CNY\">") + " " + text_after(rest, "<CdtDbtInd>");
}

std::vector<std::string> entries_of(const std::string& xml) {
  std::vector<std::string> entries;
  for (std::size_t at = xml.find("<Ntry>"); at != std::string::npos;
       at = xml.find("<Ntry>", at + 1)) {
    entries.push_back(xml.substr(at, xml.find("</Ntry>", at) - at));
  }
  return entries;
}

// The entry whose end-to-end id is `id`.
std::string entry_for(const std::string& xml, const std::string& id) {
  for (const std::string& entry : entries_of(xml)) {
    if (entry.find("<EndToEndId>" + id + "</EndToEndId>") != std::string::npos) return entry;
  }
  FAIL("no entry with EndToEndId " << id);
  return {};
}

// "734.56 DBIT": an entry's amount and direction.
std::string booked(const std::string& entry) {
  return text_after(entry, "<Amt Ccy=\"CNY\">") + " " + text_after(entry, "<CdtDbtInd>");
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Validates with xmllint against the ISO 20022 schema (tests/schemas/, a copy of
// shared/schemas/camt.053.001.08.xsd, so that a clone tests on its own). A missing xmllint fails
// the test: a skipped schema check would let an invalid statement reach a bank.
void require_valid_camt(const std::string& xml) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    FAIL("xmllint is not installed: install libxml2-utils (scripts/install-deps.sh --test)");
  }
  const std::filesystem::path schema = INNOCLEAR_SOURCE_DIR "/tests/schemas/camt.053.001.08.xsd";
  INFO("schema " << schema);
  REQUIRE(std::filesystem::exists(schema));
  const innoclear::testing::TempDir dir("camt");
  const std::filesystem::path file = dir / "statement.xml";
  const std::filesystem::path log = dir / "xmllint.log";
  std::ofstream(file, std::ios::binary) << xml;
  const std::string command = "xmllint --noout --schema '" + schema.string() + "' '" +
                              file.string() + "' >'" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  INFO("xmllint says:\n" << read_file(log) << "\nstatement:\n" << xml);
  REQUIRE(status == 0);
}

}  // namespace

// ----- CSV -----------------------------------------------------------------------------------

TEST_CASE("The CSV statement starts with its column header", "[exports]") {
  const std::vector<std::string> rows = rows_of(statement_csv(beijing()));
  REQUIRE_FALSE(rows.empty());
  CHECK(rows[0] ==
        "record,id,way,from_region,to_region,voucher_id,enterprise,provider,ledger_index,"
        "amount_yuan,signed_yuan,direction,time,settlement_sha256");
}

TEST_CASE("The CSV statement has a row per line, per transfer, and the net position last",
          "[exports]") {
  const std::string csv = statement_csv(beijing());
  CHECK(csv.back() == '\n');
  const std::vector<std::string> rows = rows_of(csv);
  REQUIRE(rows.size() == 1 + 3 + 1 + 1);
  CHECK(fields_of(rows[1])[0] == "line");
  CHECK(fields_of(rows[2])[0] == "line");
  CHECK(fields_of(rows[3])[0] == "line");
  CHECK(fields_of(rows[4])[0] == "transfer");
  CHECK(fields_of(rows[5])[0] == "net");
  for (const std::string& row : rows) CHECK(fields_of(row).size() == 14);
}

TEST_CASE("A CSV line row shows the redemption and what the region is owed or owes", "[exports]") {
  const std::vector<std::string> rows = rows_of(statement_csv(beijing()));
  REQUIRE(rows.size() == 6);
  SECTION("the provider's region is owed the amount") {
    CHECK(rows[1] ==
          "line,R-TJ-1,provider,TJ,BJ,V-R-TJ-1,91110000MA01234567,provider.lab,42,1234.56,1234.56,"
          "receive,,");
  }
  SECTION("the voucher's home region owes it") {
    CHECK(rows[2] ==
          "line,R-BJ-1,provider,BJ,HE,V-R-BJ-1,91110000MA01234567,provider.lab,42,500.00,-500.00,"
          "pay,,");
  }
  SECTION("a pay-first redemption is listed but moves nothing between regions") {
    CHECK(rows[3] ==
          "line,R-BJ-2,pay_first,BJ,GZ,V-R-BJ-2,91110000MA01234567,provider.lab,42,70.00,0.00,"
          "none,,");
  }
}

TEST_CASE("CSV transfer and net rows carry the settlement's Shanghai time and digest",
          "[exports]") {
  const std::string digest(64, 'a');
  SECTION("a region that receives") {
    const std::vector<std::string> rows = rows_of(statement_csv(beijing()));
    REQUIRE(rows.size() == 6);
    CHECK(rows[4] ==
          "transfer,SETTLE-2026-11-TJ-BJ,,TJ,BJ,,,,,734.56,734.56,receive,"
          "2026-12-01T10:00:00.000+08:00," +
              digest);
    CHECK(rows[5] ==
          "net,2026-11,,,,,,,,734.56,734.56,receive,2026-12-01T10:00:00.000+08:00," + digest);
  }
  SECTION("a region that pays: its transfers add up to its negative net position") {
    const std::vector<std::string> rows = rows_of(statement_csv(tianjin()));
    REQUIRE(rows.size() == 1 + 1 + 2 + 1);
    CHECK(fields_of(rows[1])[10] == "-1234.56");
    CHECK(fields_of(rows[2])[10] == "-734.56");
    CHECK(fields_of(rows[3])[10] == "-500.00");
    CHECK(rows[4] ==
          "net,2026-11,,,,,,,,1234.56,-1234.56,pay,2026-12-01T10:00:00.000+08:00," + digest);
  }
}

TEST_CASE("CSV amounts are exact yuan with two decimals", "[exports]") {
  RegionStatement statement = november(Region::BJ);
  statement.lines = {line("cents", Way::provider, Region::TJ, Region::BJ, 7),
                     line("dimes", Way::provider, Region::TJ, Region::BJ, 10),
                     // beyond what a double holds exactly
                     line("huge", Way::provider, Region::TJ, Region::BJ, 9'007'199'254'740'993)};
  statement.net_position = -123'456;
  const std::vector<std::string> rows = rows_of(statement_csv(statement));
  REQUIRE(rows.size() == 5);
  CHECK(fields_of(rows[1])[9] == "0.07");
  CHECK(fields_of(rows[2])[9] == "0.10");
  CHECK(fields_of(rows[3])[9] == "90071992547409.93");
  CHECK(fields_of(rows[4])[9] == "1234.56");
  CHECK(fields_of(rows[4])[10] == "-1234.56");
}

TEST_CASE("CSV fields holding a comma, a quote or a line break are quoted", "[exports]") {
  RegionStatement statement = beijing();
  statement.lines[0].provider = "Li, \"Best\" Labs";
  statement.lines[0].enterprise = "two\nlines";
  const std::string csv = statement_csv(statement);
  CHECK(csv.find(",\"two\nlines\",\"Li, \"\"Best\"\" Labs\",42,") != std::string::npos);
}

TEST_CASE("CSV text cells a spreadsheet would run as a formula are neutralised (OWASP)",
          "[exports]") {
  for (const std::string& text :
       {std::string("=HYPERLINK(\"http://x\",\"pay\")"), std::string("+1+1"), std::string("-2+3"),
        std::string("@SUM(A1)"), std::string("\t=1"), std::string("\r=1")}) {
    INFO(text);
    RegionStatement statement = beijing();
    statement.lines[0].provider = text;
    statement.lines[0].enterprise = text;
    const std::string csv = statement_csv(statement);
    // Quoted, a single quote first, inner quotes doubled as RFC 4180 wants.
    std::string cell = "\"'";
    for (const char c : text) cell += c == '"' ? std::string("\"\"") : std::string(1, c);
    cell += '"';
    CHECK(csv.find("," + cell + "," + cell + ",42,") != std::string::npos);
  }
}

TEST_CASE("CSV amounts stay numbers, negative ones too: only text cells are neutralised",
          "[exports]") {
  const std::vector<std::string> rows = rows_of(statement_csv(tianjin()));
  REQUIRE(rows.size() == 5);
  CHECK(fields_of(rows[1])[10] == "-1234.56");
  CHECK(rows[4].find(",1234.56,-1234.56,pay,") != std::string::npos);
  RegionStatement statement = beijing();
  statement.lines[0].provider = "provider-lab=1";  // a sign inside a cell is harmless
  CHECK(statement_csv(statement).find(",provider-lab=1,42,") != std::string::npos);
}

// ----- camt.053 ------------------------------------------------------------------------------

TEST_CASE("The camt statement has an entry per provider line and per settlement transfer",
          "[exports]") {
  SECTION("pay-first redemptions are not money between regions and are left out") {
    const std::string xml = camt(beijing());
    CHECK(entries_of(xml).size() == 2 + 1);
    CHECK(xml.find("R-BJ-2<") == std::string::npos);
    CHECK(xml.find("V-R-BJ-2") == std::string::npos);
  }
  SECTION("a paying region sees its line and both its transfers") {
    CHECK(entries_of(camt(tianjin())).size() == 1 + 2);
  }
  SECTION("a quiet period has no entries") {
    CHECK(entries_of(camt(november(Region::NM))).empty());
  }
}

TEST_CASE("camt entries: the provider's region is credited, the home region debited", "[exports]") {
  const std::string beijing_xml = camt(beijing());
  CHECK(booked(entry_for(beijing_xml, "R-TJ-1")) == "1234.56 CRDT");
  CHECK(booked(entry_for(beijing_xml, "R-BJ-1")) == "500.00 DBIT");
  CHECK(booked(entry_for(camt(tianjin()), "R-TJ-1")) == "1234.56 DBIT");
  const std::string entry = entry_for(beijing_xml, "R-TJ-1");
  CHECK(text_after(entry, "<Sts><Cd>") == "BOOK");
  CHECK(entry.find("<Prtry><Cd>INNOCLEAR-VOUCHER</Cd><Issr>innoclear</Issr>") != std::string::npos);
  CHECK(entry.find("<Dbtr><Pty><Nm>Tianjin 天津") != std::string::npos);
  CHECK(text_after(entry, "<AddtlNtryInf>") ==
        "Provider redemption R-TJ-1: voucher V-R-TJ-1 of TJ enterprise 91110000MA01234567 "
        "redeemed with provider provider.lab in BJ");
}

TEST_CASE("camt: a settlement transfer squares the clearing account", "[exports]") {
  // The payee is paid out of its credit balance (a debit), the payer pays its debit balance in.
  const std::string beijing_entry = entry_for(camt(beijing()), "SETTLE-2026-11-TJ-BJ");
  CHECK(booked(beijing_entry) == "734.56 DBIT");
  CHECK(beijing_entry.find("INNOCLEAR-SETTLEMENT") != std::string::npos);
  CHECK(text_after(beijing_entry, "<BookgDt><Dt>") == "2026-11-30");
  CHECK(text_after(beijing_entry, "<ValDt><Dt>") == "2026-12-01");
  const std::string tianjin_xml = camt(tianjin());
  CHECK(booked(entry_for(tianjin_xml, "SETTLE-2026-11-TJ-BJ")) == "734.56 CRDT");
  CHECK(booked(entry_for(tianjin_xml, "SETTLE-2026-11-TJ-HE")) == "500.00 CRDT");
}

TEST_CASE("camt balances: open at 0, the net position before settlement, close at 0", "[exports]") {
  SECTION("a region that receives") {
    const std::string xml = camt(beijing());
    CHECK(balance(xml, "OPBD") == "0.00 CRDT");
    CHECK(balance(xml, "ITBD") == "734.56 CRDT");
    CHECK(balance(xml, "CLBD") == "0.00 CRDT");
  }
  SECTION("a region that pays") {
    const std::string xml = camt(tianjin());
    CHECK(balance(xml, "OPBD") == "0.00 CRDT");
    CHECK(balance(xml, "ITBD") == "1234.56 DBIT");
    CHECK(balance(xml, "CLBD") == "0.00 CRDT");
  }
  SECTION("the summary shows the vouchers netting to the net position, the settlement to 0") {
    const std::string xml = camt(beijing());
    CHECK(xml.find("<TtlNtries><NbOfNtries>3</NbOfNtries><Sum>2469.12</Sum><TtlNetNtry>"
                   "<Amt>0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>") != std::string::npos);
    CHECK(xml.find("<TtlNtriesPerBkTxCd><NbOfNtries>2</NbOfNtries><Sum>1734.56</Sum>"
                   "<TtlNetNtry><Amt>734.56</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry>"
                   "<BkTxCd><Prtry><Cd>INNOCLEAR-VOUCHER</Cd>") != std::string::npos);
    CHECK(xml.find("<TtlNtriesPerBkTxCd><NbOfNtries>1</NbOfNtries><Sum>734.56</Sum>"
                   "<TtlNetNtry><Amt>734.56</Amt><CdtDbtInd>DBIT</CdtDbtInd></TtlNetNtry>"
                   "<BkTxCd><Prtry><Cd>INNOCLEAR-SETTLEMENT</Cd>") != std::string::npos);
  }
  SECTION("before transfers exist the account closes at the net position") {
    RegionStatement statement = tianjin();
    statement.transfers.clear();
    CHECK(balance(camt(statement), "CLBD") == "1234.56 DBIT");
  }
}

TEST_CASE("camt ids and dates: one message per region and period, shown in Shanghai time",
          "[exports]") {
  const std::string xml = camt(beijing());
  CHECK(text_after(xml, "<MsgId>") == "INNOCLEAR-BJ-2026-11");
  CHECK(text_after(xml, "<CreDtTm>") == "2026-12-01T10:00:00.000+08:00");
  CHECK(text_after(xml, "<FrDtTm>") == "2026-11-01T00:00:00.000+08:00");
  CHECK(text_after(xml, "<ToDtTm>") == "2026-11-30T23:59:59.999+08:00");  // the end is exclusive
  CHECK(text_after(xml, "<Othr><Id>") == "INNOCLEAR-CLEARING-BJ");
  CHECK(text_after(xml, "<Ownr><Nm>") == "Beijing 北京 innovation voucher finance office");
  CHECK(text_after(xml, "<AddtlStmtInf>").find(std::string(64, 'a')) != std::string::npos);
}

TEST_CASE("camt: special characters in names are escaped", "[exports]") {
  RegionStatement statement = beijing();
  statement.lines[0].provider = "Smith & Sons <Lab> \"Q\" 'R'\r";
  const std::string xml = camt(statement);
  CHECK(xml.find("Smith &amp; Sons &lt;Lab&gt; &quot;Q&quot; &apos;R&apos;&#13;") !=
        std::string::npos);
  CHECK(xml.find("Smith & Sons") == std::string::npos);
  CHECK(xml.find("<Lab>") == std::string::npos);
  require_valid_camt(statement_camt053(statement));
}

TEST_CASE("camt: a request id too long for EndToEndId is kept whole in the entry's information",
          "[exports]") {
  RegionStatement statement = beijing();
  const std::string long_id(64, 'r');
  statement.lines[0].id = long_id;
  const std::string xml = camt(statement);
  CHECK(xml.find("<EndToEndId>NOTPROVIDED</EndToEndId>") != std::string::npos);
  CHECK(xml.find("<AddtlNtryInf>Provider redemption " + long_id + ":") != std::string::npos);
  require_valid_camt(statement_camt053(statement));
}

TEST_CASE("camt: text XML cannot carry is replaced and overlong text is cut", "[exports]") {
  RegionStatement statement = beijing();
  statement.lines[0].provider = "bell\x07 and bad byte \xff";
  statement.lines[1].provider = std::string(600, 'p');
  const std::string xml = camt(statement);
  CHECK(xml.find("bell\xEF\xBF\xBD and bad byte \xEF\xBF\xBD") != std::string::npos);
  CHECK(xml.find(std::string(600, 'p')) == std::string::npos);
  require_valid_camt(statement_camt053(statement));
}

// Pins the decoding of every kind of malformed UTF-8 (overlong, surrogate, above U+10FFFF,
// truncated, truncated at the very end): each byte that starts no well-formed sequence becomes one
// U+FFFD, and the decoding resumes at the next byte.
TEST_CASE("camt: each byte of malformed UTF-8 becomes one U+FFFD; well-formed text is kept",
          "[exports]") {
  const std::string fffd = "\xEF\xBF\xBD";
  RegionStatement statement = beijing();
  statement.lines[0].provider = std::string("a\xC0\xAF") + "b\xED\xA0\x80" + "c\xF4\x90\x80\x80" +
                                "d\xE4\xB8" + "e\xC3\xA9\xE5\x8C\x97\xF0\x9F\x98\x80";
  statement.settlement_sha256 = std::string(64, 'a') + "\xE4\xB8";
  const std::string xml = camt(statement);
  CHECK(xml.find("a" + fffd + fffd + "b" + fffd + fffd + fffd + "c" + fffd + fffd + fffd + fffd +
                 "d" + fffd + fffd + "e\xC3\xA9\xE5\x8C\x97\xF0\x9F\x98\x80 in BJ") !=
        std::string::npos);
  CHECK(xml.find(std::string(64, 'a') + fffd + fffd + "</AddtlStmtInf>") != std::string::npos);
  require_valid_camt(statement_camt053(statement));
}

TEST_CASE("camt statements validate against the camt.053.001.08 schema", "[exports]") {
  SECTION("a period without lines") { require_valid_camt(statement_camt053(november(Region::NM))); }
  SECTION("a region owed and owing, with a positive net position") {
    require_valid_camt(statement_camt053(beijing()));
  }
  SECTION("a region with a negative net position and two transfers") {
    require_valid_camt(statement_camt053(tianjin()));
  }
  SECTION("a short test period named by its start") {
    RegionStatement statement = tianjin();
    statement.period = "P1764000000000";
    statement.from_ms = 1'764'000'000'000;
    statement.to_ms = 1'764'000'060'000;
    statement.created_ms = 1'764'000'061'234;
    require_valid_camt(statement_camt053(statement));
  }
}
