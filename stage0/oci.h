#pragma once

// OCI images (image-spec 1.x) in an image layout directory, `oci:DIR[:REF]`, made into one
// squashed App Container Image, as rkt made Docker images into one (docker2aci), and verified as
// docker2aci never did: every blob read (index, manifest, config, layer) is copied out of the
// layout into rkt's staging directory first and checked against its descriptor's size and
// digest; each layer's uncompressed stream against its diff_id. Layers are applied in order with
// whiteout semantics and this project's extraction policy (extract.h, apply_layer); the image
// config becomes the appc app (see docs/docker-images.md).

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "spec/types.h"
#include "stage0/extract.h"

namespace rkt::stage0::oci {

/// `oci:DIR[:REF]`: REF (org.opencontainers.image.ref.name) follows the last ':' after DIR's
/// last '/'.
struct Reference {
  std::string layout;
  std::string ref;
};
Result<Reference> parse_reference(const std::string& arg);

/// `oci-archive:PATH[:REF]` (a tar of an OCI layout) and `docker-archive:PATH[:REF]` (a `docker
/// save` file; REF is one of its RepoTags, name:tag): PATH ends at the first ':', as
/// containers-transports(5) has it.
Result<Reference> parse_archive_reference(const std::string& arg, const std::string& prefix);

/// `docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]` (and rkt's `docker:`), normalised as rkt and
/// docker2aci did: the first component is a host only if it has '.' or ':' or is localhost;
/// otherwise registry-1.docker.io, where a one-component name gets "library/"; no tag: latest.
struct DockerReference {
  std::string host;        ///< registry-1.docker.io, 127.0.0.1:5000
  std::string repository;  ///< library/busybox
  std::string tag;         ///< empty when pinned by digest
  std::string digest;      ///< sha256:...
};
Result<DockerReference> parse_docker_reference(const std::string& arg);

/// appc's spelling of an OCI architecture (docker2aci's ToAppcOSArch): arm64 is aarch64, arm is
/// armv6l or armv7l by variant, 386 is i386.
std::string appc_arch(const std::string& architecture, const std::string& variant);
/// The OCI architecture of this machine (amd64, arm64, ...), for choosing from an index.
std::string host_architecture();

/// A platform as an index entry names it (image-index.md).
struct Platform {
  std::string os, architecture, variant;
};
/// This machine's platform: linux, host_architecture(), and the variant (v8 on arm64, v6 or v7
/// on arm from the machine name, none elsewhere).
Platform host_platform();
/// Which of `offered` (an index's entries, in order) runs on `host`: the OS and architecture must
/// be the host's; of those, the first whose variant is the host's is taken, else the first with no
/// variant, else (arm) the first of the highest lower variant, else (other architectures) the
/// first of any variant. None: nullopt.
std::optional<size_t> choose_platform(const std::vector<Platform>& offered, const Platform& host);

/// Maps characters an AC Identifier or AC Name cannot hold, as appc's Sanitize functions do
/// (lowercase; others become '_' or '-').
std::string sanitize_identifier(const std::string& s);
std::string sanitize_name(const std::string& s);

struct ConvertInput {
  std::string name;           ///< the ACI's name (an AC Identifier)
  std::string version;        ///< the version label (the reference), may be empty
  std::string config_json;    ///< the image config, verified
  std::string original_name;  ///< what the user typed
  std::string manifest_digest, config_digest;
  int rootfs_fd = -1;                  ///< the applied layers: PATH lookups and user names resolve in it
  spec::Annotations annotations = {};  ///< more, for the source (a registry's URL and repository)
};
/// The appc image manifest of an OCI image. `what` names the image in errors.
Result<spec::ImageManifest> convert_config(const ConvertInput& in, const std::string& what);

/// Builds the squashed ACI (uncompressed) of the image at `ref` in `tmp_dir` (rkt's staging
/// directory, which only rkt writes). `what` names the image in errors.
Result<TempFile> layout_to_aci(const Reference& ref, const std::string& original_name, const std::string& tmp_dir,
                               const std::string& what, const ExtractLimits& limits);

/// The same from a tar of an OCI layout.
Result<TempFile> oci_archive_to_aci(const Reference& ref, const std::string& original_name, const std::string& tmp_dir,
                                    const std::string& what, const ExtractLimits& limits);
/// The same from a `docker save` file: its manifest.json (the legacy files are ignored, so no
/// parent chain is walked), the config it names and the layers in order, each checked against
/// the config's diff_ids (and the config against its file name, a digest).
Result<TempFile> docker_archive_to_aci(const Reference& ref, const std::string& original_name,
                                       const std::string& tmp_dir, const std::string& what,
                                       const ExtractLimits& limits);

/// How a registry is reached.
struct RegistryOptions {
  bool allow_http = false;           ///< --insecure-options=http: plain http when https is not answered
  bool insecure_tls = false;         ///< --insecure-options=tls
  std::vector<std::string> headers;  ///< credentials for the registry's host ("Authorization: Basic ...")
  /// Where layer blobs are kept by digest (Store::layer_cache(), on the staging directory's
  /// filesystem); empty: every layer is downloaded.
  std::string layer_cache;
  /// Where the trees of the first layers of images are kept by chain ID (Store::layer_trees(),
  /// on the staging directory's filesystem); empty: every layer is applied.
  std::string layer_trees;
};
/// The same from a registry (Distribution API v2): the manifest is asked for with every manifest
/// and index type accepted and read by its Content-Type; a bearer-token challenge is answered;
/// every blob is downloaded into `tmp_dir` and verified before use; a digest reference pins the
/// manifest. A layer already in `options.layer_cache` is not downloaded (it is verified again);
/// downloaded layers are added to it. When the first layers' tree is in `options.layer_trees`,
/// only the layers above it are applied; the trees of all the layers, and of all but the top one,
/// are kept there.
struct RegistryResult {
  std::string manifest_digest;      ///< of the manifest (or index) the reference named
  std::vector<std::string> layers;  ///< the digests of the layers used, and "tree:<hex>" of the trees
  bool unchanged = false;           ///< the manifest was `known_digest`: nothing more was fetched
};
/// `known_digest` is the manifest digest the reference gave last time (empty: none); when the
/// registry gives it again, no ACI is made (the result's `unchanged`, and an empty TempFile).
Result<TempFile> registry_to_aci(const DockerReference& ref, const std::string& original_name,
                                 const RegistryOptions& options, const std::string& tmp_dir, const std::string& what,
                                 const ExtractLimits& limits, const std::string& known_digest, RegistryResult* result);

}  // namespace rkt::stage0::oci
