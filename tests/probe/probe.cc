// The in-container probe: a static binary that test images run as their app. It performs the
// actions given as arguments, in order, and prints what it sees, one "key: value" line each.
//
//   id                 uid, gid and groups          hostname      the hostname
//   status             Cap*, NoNewPrivs, Seccomp    ns            namespace inodes
//   env:NAME           a variable (or "<unset>")    cwd           the working directory
//   read:PATH          a file's content             write:PATH    writes "probe" to PATH
//   fds                the open fds                 exe:PID       readlink and open of /proc/PID/exe
//   add-key            the errno of add_key(2)      pid           getpid()
//   sleep:SECONDS      sleeps                       trap:CODE     waits for SIGTERM, exits CODE
//   exit:CODE          exits with CODE              mounted:PATH  whether PATH is a mount point
//   stat:PATH          the owner and mode of PATH   mountinfo:PATH  mount options, or "none"
//   cgroup             /proc/self/cgroup            alloc:MIB      allocates and touches memory
//   stdin              a line of standard input     notify         sends READY=1 to $NOTIFY_SOCKET
//   ppid               getppid()                    fsopts:PATH   its filesystem type and options

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void print_file_lines(const char* path, const char* const* prefixes) {
  FILE* f = std::fopen(path, "r");
  if (!f) return;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    for (const char* const* p = prefixes; *p; ++p) {
      if (std::strncmp(line, *p, std::strlen(*p)) == 0) std::fputs(line, stdout);
    }
  }
  std::fclose(f);
}

int act(const std::string& action) {
  std::string name = action.substr(0, action.find(':'));
  std::string arg = action.find(':') == std::string::npos ? "" : action.substr(action.find(':') + 1);
  if (name == "id") {
    gid_t groups[64];
    int n = ::getgroups(64, groups);
    std::printf("uid: %u\ngid: %u\ngroups:", ::getuid(), ::getgid());
    for (int i = 0; i < n; ++i) std::printf(" %u", groups[i]);
    std::printf("\n");
  } else if (name == "hostname") {
    char h[256] = {};
    ::gethostname(h, sizeof h - 1);
    std::printf("hostname: %s\n", h);
  } else if (name == "status") {
    static const char* const kKeys[] = {
        "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", nullptr};
    print_file_lines("/proc/self/status", kKeys);
  } else if (name == "ns") {
    for (const char* ns : {"mnt", "pid", "net", "uts", "ipc"}) {
      struct stat st {};
      std::string p = std::string("/proc/self/ns/") + ns;
      if (::stat(p.c_str(), &st) == 0) std::printf("ns-%s: %lu\n", ns, static_cast<unsigned long>(st.st_ino));
    }
  } else if (name == "env") {
    const char* v = std::getenv(arg.c_str());
    std::printf("env-%s: %s\n", arg.c_str(), v ? v : "<unset>");
  } else if (name == "cwd") {
    char c[PATH_MAX] = {};
    std::printf("cwd: %s\n", ::getcwd(c, sizeof c) ? c : std::strerror(errno));
  } else if (name == "pid") {
    std::printf("pid: %d\n", ::getpid());
  } else if (name == "ppid") {
    std::printf("ppid: %d\n", ::getppid());
  } else if (name == "read") {
    FILE* f = std::fopen(arg.c_str(), "r");
    if (!f) {
      std::printf("read %s: error %s\n", arg.c_str(), std::strerror(errno));
      return 0;
    }
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    std::fclose(f);
    std::printf("read %s: %s\n", arg.c_str(), buf);
  } else if (name == "write") {
    int fd = ::open(arg.c_str(), O_WRONLY | O_TRUNC);
    if (fd < 0 && errno == ENOENT) fd = ::open(arg.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, "probe", 5) != 5) {
      std::printf("write %s: error %s\n", arg.c_str(), std::strerror(errno));
    } else {
      std::printf("write %s: ok\n", arg.c_str());
    }
    if (fd >= 0) ::close(fd);
  } else if (name == "stat") {
    struct stat st {};
    if (::stat(arg.c_str(), &st) != 0) {
      std::printf("stat %s: error %s\n", arg.c_str(), std::strerror(errno));
    } else {
      std::printf("stat %s: uid=%u gid=%u mode=%o\n", arg.c_str(), st.st_uid, st.st_gid, st.st_mode & 07777);
    }
  } else if (name == "mounted") {
    struct stat a {
    }, b{};
    std::string parent = arg + "/..";
    bool m = ::stat(arg.c_str(), &a) == 0 && ::stat(parent.c_str(), &b) == 0 && a.st_dev != b.st_dev;
    std::printf("mounted %s: %s\n", arg.c_str(), m ? "yes" : "no");
  } else if (name == "mountinfo" || name == "fsopts") {
    // Fields: id parent major:minor root mountpoint options [optional...] - type source superopts.
    // mountinfo prints the mount's options, fsopts the type and the superblock's; the last mount
    // at the path wins.
    FILE* f = std::fopen("/proc/self/mountinfo", "r");
    char line[4096];
    std::string found = "none";
    while (f && std::fgets(line, sizeof line, f)) {
      char mp[2048], opts[1024], type[64], super[1024];
      if (std::sscanf(line, "%*s %*s %*s %*s %2047s %1023s", mp, opts) != 2 || arg != mp) continue;
      const char* rest = std::strstr(line, " - ");
      if (name == "mountinfo") {
        found = opts;
      } else if (rest && std::sscanf(rest, " - %63s %*s %1023s", type, super) == 2) {
        found = std::string(type) + " " + super;
      }
    }
    if (f) std::fclose(f);
    std::printf("%s %s: %s\n", name.c_str(), arg.c_str(), found.c_str());
  } else if (name == "fds") {
    DIR* d = ::opendir("/proc/self/fd");
    int self = d ? ::dirfd(d) : -1;
    std::printf("fds:");
    while (dirent* e = d ? ::readdir(d) : nullptr) {
      if (e->d_name[0] == '.' || std::atoi(e->d_name) == self) continue;
      char target[PATH_MAX] = {};
      std::string p = std::string("/proc/self/fd/") + e->d_name;
      ssize_t n = ::readlink(p.c_str(), target, sizeof target - 1);
      std::printf(" %s=%s", e->d_name, n > 0 ? target : "?");
    }
    std::printf("\n");
    if (d) ::closedir(d);
  } else if (name == "exe") {
    std::string p = "/proc/" + arg + "/exe";
    char target[PATH_MAX] = {};
    ssize_t n = ::readlink(p.c_str(), target, sizeof target - 1);
    std::printf("exe-readlink %s: %s\n", arg.c_str(), n > 0 ? target : std::strerror(errno));
    int fd = ::open(p.c_str(), O_WRONLY);
    std::printf("exe-open-write %s: %s\n", arg.c_str(), fd >= 0 ? "opened" : std::strerror(errno));
    if (fd >= 0) ::close(fd);
  } else if (name == "add-key") {
    long rc = ::syscall(SYS_add_key, "user", "probe", "x", 1, -3);
    std::printf("add-key: %s\n", rc < 0 ? std::strerror(errno) : "ok");
  } else if (name == "stdin") {
    char buf[256] = {};
    if (std::fgets(buf, sizeof buf, stdin)) {
      buf[std::strcspn(buf, "\n")] = '\0';
      std::printf("stdin: %s\n", buf);
    } else {
      std::printf("stdin: <eof>\n");
    }
  } else if (name == "notify") {
    const char* path = std::getenv("NOTIFY_SOCKET");
    int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path ? path : "", sizeof addr.sun_path - 1);
    const char msg[] = "READY=1\nSTATUS=probe ready";
    long rc = path ? ::sendto(s, msg, sizeof msg - 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) : -1;
    std::printf("notify: %s\n", rc < 0 ? (path ? std::strerror(errno) : "no NOTIFY_SOCKET") : "sent");
    ::close(s);
  } else if (name == "cgroup") {
    FILE* f = std::fopen("/proc/self/cgroup", "r");
    char line[1024];
    while (f && std::fgets(line, sizeof line, f)) std::printf("cgroup %s", line);
    if (f) std::fclose(f);
  } else if (name == "alloc") {
    size_t mib = static_cast<size_t>(std::atoi(arg.c_str()));
    for (size_t i = 0; i < mib; ++i) {
      char* p = static_cast<char*>(std::malloc(1 << 20));
      if (!p) break;
      std::memset(p, 1, 1 << 20);
    }
    std::printf("alloc: done\n");
  } else if (name == "sleep") {
    ::sleep(static_cast<unsigned>(std::atoi(arg.c_str())));
  } else if (name == "trap") {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    std::printf("trap: waiting\n");
    std::fflush(stdout);
    int sig = 0;
    ::sigwait(&set, &sig);
    std::printf("trap: got SIGTERM\n");
    std::fflush(stdout);
    return std::atoi(arg.c_str());
  } else if (name == "exit") {
    std::fflush(stdout);
    return std::atoi(arg.c_str());
  } else {
    std::printf("unknown action: %s\n", action.c_str());
    return 99;
  }
  std::fflush(stdout);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    int rc = act(argv[i]);
    if (rc >= 0) return rc;
  }
  return 0;
}
