// rkt completion SHELL: a completion script for bash (as rkt's), and for zsh through its bash
// compatibility. Commands and their flags come from the command table; pod UUIDs and image IDs
// from `rkt list` and `rkt image list`, as rkt's script took them.

#include <iostream>
#include <set>
#include <sstream>

#include "stage0/cli/commands.h"
#include "stage0/cli/context.h"

namespace rkt::stage0 {
namespace {

// The --flags a usage text names.
std::string flags_in(const std::string& usage) {
  std::set<std::string> out;
  for (size_t i = usage.find("--"); i != std::string::npos; i = usage.find("--", i + 2)) {
    size_t end = usage.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", i + 2);
    std::string f = usage.substr(i, end - i);
    if (f.size() > 2 && f.back() != '-') out.insert(f);
  }
  std::string s;
  for (const auto& f : out) s += (s.empty() ? "" : " ") + f;
  return s;
}

std::string bash_script() {
  std::ostringstream o;
  std::string names, globals =
                         "--dir --system-config --local-config --user-config --insecure-options "
                         "--trust-keys-from-https --debug --help";
  for (const auto& c : commands()) names += (names.empty() ? "" : " ") + std::string(c.name);
  o << "# bash completion for rkt (rkt completion bash)\n"
       "__rkt_pods() {\n"
       "  local out\n"
       "  out=$(rkt \"${__rkt_globals[@]}\" list --no-legend 2>/dev/null | awk -v want=\"$1\" "
       "'$1 != \"\" && (want == \"\" || $0 ~ want) {print $1}')\n"
       "  COMPREPLY=($(compgen -W \"$out\" -- \"$cur\"))\n"
       "}\n"
       "__rkt_images() {\n"
       "  local out\n"
       "  out=$(rkt \"${__rkt_globals[@]}\" image list --no-legend --fields=id 2>/dev/null)\n"
       "  COMPREPLY=($(compgen -W \"$out\" -- \"$cur\"))\n"
       "}\n"
       "_rkt() {\n"
       "  # Words split at blanks only (COMP_WORDS also splits at '=' and ':'), up to the cursor.\n"
       "  local line=\"${COMP_LINE:0:COMP_POINT}\" cur=\"\" cmd=\"\" sub=\"\" w\n"
       "  local -a words __rkt_globals=()\n"
       "  read -ra words <<<\"$line\"\n"
       "  if [[ $line != *[[:space:]] && ${#words[@]} -gt 0 ]]; then\n"
       "    cur=${words[-1]}\n"
       "    unset 'words[-1]'\n"
       "  fi\n"
       "  [[ $cur == *[=:]* ]] && return\n"
       "  # The data and configuration directories typed so far apply to the lookups too.\n"
       "  for w in \"${words[@]:1}\"; do\n"
       "    case \"$w\" in\n"
       "      --dir=* | --system-config=* | --local-config=* | --user-config=*) __rkt_globals+=(\"$w\") ;;\n"
       "      -*) ;;\n"
       "      *) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi ;;\n"
       "    esac\n"
       "  done\n"
       "  local globals=\""
    << globals << "\"\n"
    << "  if [[ -z $cmd ]]; then\n"
       "    COMPREPLY=($(compgen -W \""
    << names << " $globals\" -- \"$cur\"))\n"
    << "    return\n"
       "  fi\n"
       "  local flags=\"\"\n"
       "  case $cmd in\n";
  for (const auto& c : commands()) {
    o << "    " << c.name << ") flags=\"" << flags_in(c.usage) << "\" ;;\n";
  }
  o << "  esac\n"
       "  if [[ $cur == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$flags $globals\" -- \"$cur\"))\n"
       "    return\n"
       "  fi\n"
       "  case $cmd in\n"
       "    image)\n"
       "      if [[ -z $sub ]]; then\n"
       "        COMPREPLY=($(compgen -W \"list rm cat-manifest export extract render verify gc fetch\" -- \"$cur\"))\n"
       "      elif [[ $sub != list && $sub != gc && $sub != fetch ]]; then\n"
       "        __rkt_images\n"
       "      fi ;;\n"
       "    run-prepared) __rkt_pods prepared ;;\n"
       "    enter | stop) __rkt_pods running ;;\n"
       "    rm) __rkt_pods 'prepare|exited' ;;\n"
       "    status | cat-manifest | export) __rkt_pods ;;\n"
       "    completion) COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")) ;;\n"
       "  esac\n"
       "}\n"
       "complete -o default -F _rkt rkt\n";
  return o.str();
}

}  // namespace

Result<int> cmd_completion(GlobalOptions& g, const std::vector<std::string>& args) {
  FlagSet fs("rkt completion");
  auto pos = parse_command_line(fs, g, args);
  RKT_TRY(pos);
  // rkt's messages.
  if (pos->empty()) return Error(Errc::Usage, "shell type is not specified");
  if (pos->size() > 1) return Error(Errc::Usage, "too many arguments, only shell type is expected");
  const std::string& shell = (*pos)[0];
  if (shell == "bash") {
    std::cout << bash_script();
  } else if (shell == "zsh") {
    std::cout << "# zsh completion for rkt (rkt completion zsh), through zsh's bash completion\n"
                 "autoload -U +X bashcompinit && bashcompinit\n"
              << bash_script();
  } else {
    return Error(Errc::Usage, "'" + shell + "' shell is not supported");
  }
  return 0;
}

}  // namespace rkt::stage0
