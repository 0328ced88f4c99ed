#pragma once

// A small command-line flag parser in the style of Go's pflag, which rkt's users know:
// `--name=value`, `--name value`, `--bool`, `--bool=false`; `--` ends the flags.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace rkt {

class FlagSet {
 public:
  /// `command` prefixes error messages ("rkt fetch: unknown flag ..."); empty for none.
  explicit FlagSet(std::string command) : command_(std::move(command)) {}

  void add_string(const std::string& name, std::string* target, std::string help);
  void add_bool(const std::string& name, bool* target, std::string help);
  /// A string flag that may be given many times; each value is appended.
  void add_list(const std::string& name, std::vector<std::string>* target, std::string help);
  /// A list flag that may also be given without a value (`--name` alone means `--name=no_value`,
  /// pflag's NoOptDefVal): its value then has to follow an '='.
  void add_list(const std::string& name, std::vector<std::string>* target, std::string help, std::string no_value);

  enum class Interspersed { Yes, No };

  /// Parses args (without the command name); returns the positional arguments. With
  /// Interspersed::No, parsing stops at the first positional argument and everything after it
  /// is returned untouched.
  Result<std::vector<std::string>> parse(const std::vector<std::string>& args,
                                         Interspersed interspersed = Interspersed::Yes);

  /// Parses the flags at the start of args[start..]: stops before the first token that is not a
  /// flag (or a flag's value), and before "--" and "---". Returns the index it stopped at.
  Result<size_t> parse_leading(const std::vector<std::string>& args, size_t start);

  /// Whether a flag was given on the command line.
  bool seen(const std::string& name) const { return seen_.count(name) != 0; }

  /// One line per flag, for help output.
  std::string usage() const;

 private:
  struct Flag {
    enum class Kind { String, Bool, List } kind;
    std::string help;
    std::function<Status(const std::string&)> set;
    std::optional<std::string> no_value;  ///< the value of the bare flag; without it, the next argument
  };
  Error with_command(Error e) const;

  std::string command_;
  std::map<std::string, Flag> flags_;
  std::map<std::string, bool> seen_;
};

/// Parses "true"/"false" (and 1/0, t/f, as Go's strconv.ParseBool).
std::optional<bool> parse_bool(const std::string& s);

}  // namespace rkt
