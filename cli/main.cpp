// innoclear: one binary for nodes, the federation, clients, auditors and benchmarks.
#include <cstdio>
#include <iostream>

#include "cli/cli.h"

namespace innoclear::cli {

int fail(const Status& status) {
  std::fprintf(stderr, "innoclear: %s\n", status.to_string().c_str());
  return exit_failure;
}

void add_output_option(CLI::App& verb, Output& output) {
  verb.add_option("--output", output, "text for people, json for programs")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Output>{{"text", Output::text}, {"json", Output::json}}))
      ->default_str("text");
}

}  // namespace innoclear::cli

int main(int argc, char** argv) {
  using namespace innoclear::cli;
  CLI::App app{"innoclear: the clearing ledger for cross-regional innovation vouchers (创新券)"};
  app.require_subcommand(1);
  int exit_code = exit_ok;
  add_init_verbs(app, exit_code);
  add_ledger_verbs(app, exit_code);
  add_bench_verbs(app, exit_code);
  add_bench_all_verb(app, exit_code);
  add_node_verbs(app, exit_code);
  add_client_verbs(app, exit_code);
  add_tool_verbs(app, exit_code);
  add_up_verbs(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help
    std::fprintf(stderr, "innoclear: usage: %s (see --help)\n", error.what());
    return 2;
  }
  return exit_code;
}
