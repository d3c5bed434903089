// The period statement as ISO 20022 camt.053.001.08 (BankToCustomerStatement), for a bank's
// systems: the mapping of lines and transfers to entries and balances (see exports.h and
// docs/formats.md). The XML text itself is written by exports_xml.h.
#include <cassert>
#include <span>
#include <string_view>
#include <vector>

#include "clearing/exports_internal.h"
#include "clearing/exports_xml.h"
#include "clearing/region.h"

namespace innoclear::clearing {
namespace {

using exports_detail::character_count;
using exports_detail::line_flow;
using exports_detail::plain_yuan;
using exports_detail::shanghai_date;
using exports_detail::shanghai_date_time;
using exports_detail::transfer_flow;
using exports_detail::transfer_id;
using exports_detail::unlimited;
using exports_detail::unsigned_yuan;
using exports_detail::XmlWriter;

__extension__ typedef __int128 Wide;  // sums of int64 amounts cannot overflow it

// camt amounts allow 18 digits in all; with two after the point that is just under 10^16 yuan.
constexpr Wide camt_amount_fen_max = 999'999'999'999'999'999;
// The schema's MaxNText lengths, in characters (code points), not bytes.
constexpr std::size_t identifier_characters_max = 35;    // Max35Text: ids, codes
constexpr std::size_t account_id_characters_max = 34;    // Max34Text
constexpr std::size_t account_name_characters_max = 70;  // Max70Text
constexpr std::size_t party_name_characters_max = 140;   // Max140Text
constexpr std::size_t information_characters_max = 500;  // Max500Text
constexpr std::string_view camt_namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
constexpr std::string_view voucher_code = "INNOCLEAR-VOUCHER";
constexpr std::string_view settlement_code = "INNOCLEAR-SETTLEMENT";
constexpr std::string_view code_issuer = "innoclear";
// ISO 20022's agreed value for an end-to-end id the sender cannot give (here: longer than 35).
constexpr std::string_view end_to_end_id_absent = "NOTPROVIDED";

// A camt amount (always a magnitude; the sign goes into CdtDbtInd).
std::string camt_yuan(Wide fen) {
  const Wide magnitude = fen < 0 ? -fen : fen;
  // No clearing produces 10^16 yuan; an amount that large is a caller's bug, not data.
  assert(magnitude <= camt_amount_fen_max);
  return unsigned_yuan(static_cast<std::uint64_t>(magnitude));
}

std::string_view credit_debit(Wide signed_fen) { return signed_fen < 0 ? "DBIT" : "CRDT"; }

std::string office_name(Region region) {
  return std::string(region_name(region)) + " innovation voucher finance office";
}

void write_amount(XmlWriter& xml, std::string_view tag, Wide fen) {
  xml.leaf_with_attributes(tag, " Ccy=\"CNY\"", camt_yuan(fen));
}

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
    // Reversed: paying settles a debit balance, being paid out settles a credit (exports.h).
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
  write_amount(xml, "Amt", fen);
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
  write_amount(xml, "Amt", entry.signed_fen);
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
