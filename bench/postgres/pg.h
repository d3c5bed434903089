// A thin libpq layer for the PostgreSQL baseline: owned connections and results, failures as a
// Status (io_error naming the SQLSTATE and PostgreSQL's message). Only bench/postgres/ includes
// libpq. A connection is not thread-safe: one per thread.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace innoclear::bench::pg {

struct ResultFree {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultFree>;

struct ConnectionFree {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionFree>;

// Opens a connection and sets synchronous_commit = on for the session, whatever the server's
// default: every commit this baseline reports waits for its WAL to be flushed, as innoclear's do.
// Fails with io_error carrying libpq's reason.
Result<Connection> connect(const std::string& conninfo);

// Runs one or more ';'-separated statements (simple protocol) and discards their rows. Fails with
// io_error naming the first statement that failed.
Status exec(PGconn& connection, const std::string& sql);

// Runs a query whose rows are wanted, text format. Fails with io_error.
Result<PgResult> query(PGconn& connection, const std::string& sql);

// COPY `table_and_columns` FROM STDIN with `rows` in COPY's text format (tab-separated, one row a
// line, backslash escapes). Fails with io_error.
Status copy_in(PGconn& connection, const std::string& table_and_columns, std::string_view rows);

// One parameter of a prepared statement. libpq reads a text parameter as a C string, so it is
// made from a std::string (NUL-terminated); a binary one is any bytes, sent with their length.
// Borrows: the value must outlive the call.
class Param {
 public:
  static Param text(const std::string& value) { return Param(value, false); }
  static Param binary(std::string_view bytes) { return Param(bytes, true); }
  std::string_view value() const { return value_; }
  bool is_binary() const { return binary_; }

 private:
  Param(std::string_view value, bool binary) : value_(value), binary_(binary) {}
  std::string_view value_;
  bool binary_;
};

// Runs a statement prepared with PQprepare; the result, successful or not, is the caller's to
// read (status(), sqlstate()). `binary_result`: rows in binary format.
PgResult exec_prepared(PGconn& connection, const char* name, std::span<const Param> params,
                       bool binary_result);

// Whether a result carries rows or a completed command.
bool succeeded(const PGresult* result);
// The SQLSTATE of a failed result ("" if none), its primary message and its detail.
std::string sqlstate(const PGresult* result);
std::string error_message(const PGresult* result);
std::string error_detail(const PGresult* result);

// The io_error for a failed result: "<what>: SQLSTATE <code>: <message>".
Status failure(const std::string& what, const PGresult* result);

// Runs a parameterless query and streams its rows one at a time (libpq's single-row mode), so a
// table of any length is read in constant memory; stops at the first failure `row` returns.
// `binary`: rows in binary format. Fails with io_error, or with what `row` returned.
Status for_each_row(PGconn& connection, const std::string& sql, bool binary,
                    const std::function<Status(const PGresult* row)>& row);

// A field of a row as bytes (text or binary, as requested).
std::string_view field(const PGresult* result, int row, int column);
// A binary-format int8 field.
std::int64_t field_int8(const PGresult* result, int row, int column);

}  // namespace innoclear::bench::pg
