#include "bench/postgres/pg.h"

#include <cassert>
#include <vector>

namespace innoclear::bench::pg {

namespace {

std::string text_or_empty(const char* text) { return text == nullptr ? std::string() : text; }

// libpq's messages span lines (a hint on a tab-indented second line); a Status is one line.
std::string one_line(std::string_view text) {
  std::string line;
  for (const char c : text) {
    const bool space = c == '\n' || c == '\t' || c == ' ';
    if (!space) {
      line += c;
    } else if (!line.empty() && line.back() != ' ') {
      line += ' ';
    }
  }
  if (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

// Drains the results of the last command sent, so the connection is ready for the next one.
void drain(PGconn& connection) {
  while (PGresult* rest = PQgetResult(&connection)) PQclear(rest);
}

}  // namespace

Result<Connection> connect(const std::string& conninfo) {
  Connection connection(PQconnectdb(conninfo.c_str()));
  if (connection == nullptr) return Status(Code::io_error, "libpq could not allocate a connection");
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return Status(Code::io_error, "cannot connect to PostgreSQL (" + conninfo +
                                      "): " + one_line(PQerrorMessage(connection.get())));
  }
  if (Status s = exec(*connection, "SET synchronous_commit = on"); !s.ok()) return s;
  return connection;
}

bool succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE;
}

std::string sqlstate(const PGresult* result) {
  return text_or_empty(PQresultErrorField(result, PG_DIAG_SQLSTATE));
}

std::string error_message(const PGresult* result) {
  return one_line(text_or_empty(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)));
}

std::string error_detail(const PGresult* result) {
  return one_line(text_or_empty(PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)));
}

Status failure(const std::string& what, const PGresult* result) {
  if (result == nullptr) return Status(Code::io_error, what + ": no result from libpq");
  std::string reason = what + ": SQLSTATE " + sqlstate(result) + ": " + error_message(result);
  if (const std::string detail = error_detail(result); !detail.empty())
    reason += " (" + detail + ")";
  return Status(Code::io_error, reason);
}

Status exec(PGconn& connection, const std::string& sql) {
  // PQexec returns the last statement's result; an earlier failure aborts the rest and is last.
  PgResult result(PQexec(&connection, sql.c_str()));
  if (!succeeded(result.get())) return failure(sql.substr(0, sql.find('\n')), result.get());
  return Status::success();
}

Result<PgResult> query(PGconn& connection, const std::string& sql) {
  PgResult result(PQexec(&connection, sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) return failure(sql, result.get());
  return result;
}

Status copy_in(PGconn& connection, const std::string& table_and_columns, std::string_view rows) {
  const std::string sql = "COPY " + table_and_columns + " FROM STDIN";
  PgResult started(PQexec(&connection, sql.c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) return failure(sql, started.get());
  // Sent in pieces: PQputCopyData takes an int length.
  constexpr std::size_t piece_bytes_max = 1 << 20;
  bool sent = true;
  for (std::size_t at = 0; sent && at < rows.size(); at += piece_bytes_max) {
    const std::string_view piece = rows.substr(at, piece_bytes_max);
    sent = PQputCopyData(&connection, piece.data(), static_cast<int>(piece.size())) == 1;
  }
  if (!sent || PQputCopyEnd(&connection, nullptr) != 1) {
    drain(connection);
    return Status(Code::io_error, sql + ": " + one_line(PQerrorMessage(&connection)));
  }
  PgResult finished(PQgetResult(&connection));
  drain(connection);
  if (!succeeded(finished.get())) return failure(sql, finished.get());
  return Status::success();
}

PgResult exec_prepared(PGconn& connection, const char* name, std::span<const Param> params,
                       bool binary_result) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& param : params) {
    values.push_back(param.value().data());
    lengths.push_back(static_cast<int>(param.value().size()));
    formats.push_back(param.is_binary() ? 1 : 0);
  }
  return PgResult(PQexecPrepared(&connection, name, static_cast<int>(params.size()), values.data(),
                                 lengths.data(), formats.data(), binary_result ? 1 : 0));
}

Status for_each_row(PGconn& connection, const std::string& sql, bool binary,
                    const std::function<Status(const PGresult* row)>& row) {
  if (PQsendQueryParams(&connection, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                        binary ? 1 : 0) != 1 ||
      PQsetSingleRowMode(&connection) != 1) {
    drain(connection);
    return Status(Code::io_error, sql + ": " + one_line(PQerrorMessage(&connection)));
  }
  Status outcome = Status::success();
  while (PGresult* raw = PQgetResult(&connection)) {
    const PgResult result(raw);
    if (!outcome.ok()) continue;  // keep draining after a failure
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_SINGLE_TUPLE) {
      outcome = row(raw);
    } else if (status != PGRES_TUPLES_OK) {  // PGRES_TUPLES_OK: the empty end marker
      outcome = failure(sql, raw);
    }
  }
  return outcome;
}

std::string_view field(const PGresult* result, int row, int column) {
  assert(!PQgetisnull(result, row, column));
  return {PQgetvalue(result, row, column),
          static_cast<std::size_t>(PQgetlength(result, row, column))};
}

std::int64_t field_int8(const PGresult* result, int row, int column) {
  const std::string_view bytes = field(result, row, column);
  assert(bytes.size() == 8);
  std::uint64_t value = 0;  // network byte order
  for (const char byte : bytes) value = (value << 8) | static_cast<std::uint8_t>(byte);
  return static_cast<std::int64_t>(value);
}

}  // namespace innoclear::bench::pg
