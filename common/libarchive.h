#pragma once

// libarchive, loaded by the first call of any of its functions (see lazy_library.h): it pulls in
// libxml2, ICU (30 MB), nettle, acl and five compression libraries, which a command that reads
// no image (rkt version, list, status, or run of an image already rendered) must not pay for.
// Include this header, not <archive.h> alone, in every file of rkt that calls libarchive: the
// pointers below hide the library's own declarations within namespace rkt.

#include <archive.h>
#include <archive_entry.h>

#include "common/lazy_library.h"

// Every libarchive function rkt calls. Calling one not listed here links libarchive again, which
// the LibraryLoadTest tests catch.
// clang-format off
#define RKT_ARCHIVE_FUNCTIONS(X) \
  X(archive_entry_clone) X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_gid) \
  X(archive_entry_hardlink) X(archive_entry_mtime) X(archive_entry_new) X(archive_entry_pathname) \
  X(archive_entry_perm) X(archive_entry_set_gid) X(archive_entry_set_hardlink) \
  X(archive_entry_set_mode) X(archive_entry_set_mtime) X(archive_entry_set_pathname) \
  X(archive_entry_set_rdev) X(archive_entry_set_size) X(archive_entry_set_symlink) \
  X(archive_entry_set_uid) X(archive_entry_size) X(archive_entry_symlink) X(archive_entry_uid) \
  X(archive_entry_xattr_add_entry) X(archive_entry_xattr_next) X(archive_entry_xattr_reset) \
  X(archive_error_string) X(archive_filter_count) X(archive_read_data) X(archive_read_data_block) \
  X(archive_read_free) X(archive_read_new) X(archive_read_next_header) X(archive_read_open) \
  X(archive_read_open_fd) X(archive_read_open_filename) X(archive_read_support_filter_all) \
  X(archive_read_support_filter_gzip) X(archive_read_support_filter_zstd) \
  X(archive_read_support_format_all) X(archive_read_support_format_gnutar) \
  X(archive_read_support_format_raw) X(archive_read_support_format_tar) \
  X(archive_write_add_filter_bzip2) X(archive_write_add_filter_gzip) X(archive_write_add_filter_xz) \
  X(archive_write_add_filter_zstd) X(archive_write_close) X(archive_write_data) X(archive_write_free) \
  X(archive_write_header) X(archive_write_new) X(archive_write_open_fd) X(archive_write_open_filename) \
  X(archive_write_set_bytes_in_last_block) X(archive_write_set_filter_option) \
  X(archive_write_set_format_option) X(archive_write_set_format_pax_restricted)
// clang-format on
// Variadic, so without a stub: called only on an archive, after the library is loaded.
#define RKT_ARCHIVE_VARIADIC_FUNCTIONS(X) X(archive_set_error)

namespace rkt {
RKT_ARCHIVE_FUNCTIONS(RKT_LAZY_EXTERN)
RKT_ARCHIVE_VARIADIC_FUNCTIONS(RKT_LAZY_EXTERN)
}  // namespace rkt
