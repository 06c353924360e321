/**
 * Reason codes of the original (docs/compatibility.md, "Exit statuses and messages") with their
 * texts, and the base class of every error reported with one.
 */

/**
 * Every reason code of FLoM 1.7.2 with the original's text for it (`flom_strerror`), named like
 * `FLOM_RC_*` without the prefix.
 */
const REASONS = {
  OK: { rc: 0, text: "OK: no error" },
  LOCK_ENQUEUED: {
    rc: 1,
    text: "INFO: the lock can not be obtained now, but the request was enqueued",
  },
  LOCK_WAIT_RESOURCE: {
    rc: 2,
    text:
      "INFO: the asked resource is not available, the task must wait resource creation by a something else",
  },
  LOCK_CANT_LOCK: { rc: 3, text: "INFO: the lock can not be obtained, generic issue" },
  LOCK_BUSY: {
    rc: 4,
    text: "INFO: the lock can not be obtained because the resource is already locked",
  },
  LOCK_CANT_WAIT: {
    rc: 5,
    text:
      "INFO: the lock can not be obtained because the requester can not wait resource availability",
  },
  LOCK_IMPOSSIBLE: {
    rc: 6,
    text:
      "INFO: the lock can not be obtained because the resource will never satisfy the lock request",
  },
  CONNECTION_REFUSED: { rc: 7, text: "WARNING: peer is not ready to accept a connection" },
  CONNECTION_CLOSED: { rc: 8, text: "WARNING: peer has closed socket connection" },
  NETWORK_TIMEOUT: { rc: 9, text: "WARNING: network operation timeout" },
  ELEMENT_NAME_NOT_AVAILABLE: {
    rc: 10,
    text: "WARNING: the name of the locked element is not available",
  },
  API_IMMUTABLE_HANDLE: { rc: 11, text: "WARNING: the handle can not be changed at this time" },
  RESOURCE_IS_NOT_TRANSACTIONAL: {
    rc: 12,
    text: "WARNING: a transactional operations has been requested for a non transactional resource",
  },
  INACTIVE_FEATURE: {
    rc: 13,
    text: "WARNING: a feature is inactive and a piece of code was skipped",
  },
  INTERNAL_ERROR: { rc: -1, text: "ERROR: internal error / unexpected condition / code bug" },
  DAEMON_NOT_STARTED: {
    rc: -2,
    text: "ERROR: flom command was not able to start a new daemon and/or connect to it",
  },
  NETWORK_EVENT_ERROR: { rc: -3, text: "ERROR: an unespected network event raised" },
  NULL_OBJECT: { rc: -4, text: "ERROR: the object is null" },
  INVALID_OPTION: { rc: -5, text: "ERROR: a specified option is not valid" },
  OBJ_CORRUPTED: { rc: -6, text: "ERROR: object is corrupted" },
  OUT_OF_RANGE: { rc: -7, text: "ERROR: an argument is out of range" },
  INVALID_PREFIX_SIZE: {
    rc: -8,
    text: "ERROR: the number of chars of the prefix of the message is wrong",
  },
  BUFFER_OVERFLOW: {
    rc: -9,
    text: "ERROR: the process has been stopped to avoid a buffer overflow",
  },
  INVALID_MSG_LENGTH: { rc: -10, text: "ERROR: the length of the message differs from prefix" },
  INVALID_PROPERTY_VALUE: { rc: -11, text: "ERROR: a value of a property is invalid" },
  CONTAINER_FULL: { rc: -12, text: "ERROR: the container is full and cannot store more elements" },
  PROTOCOL_ERROR: {
    rc: -13,
    text: "ERROR: client/server protocol error, an unexpected packet of data was received",
  },
  INVALID_RESOURCE_NAME: { rc: -14, text: "ERROR: invalid name for a resource" },
  PROTOCOL_LEVEL_MISMATCH: {
    rc: -15,
    text: "ERROR: client and server are not aligned to the same communication level",
  },
  MSG_DESERIALIZE_ERROR: { rc: -16, text: "ERROR: XML message deserialization" },
  API_INVALID_SEQUENCE: { rc: -17, text: "ERROR: API function called using an invalid sequence" },
  INVALID_AI_FAMILY_ERROR: {
    rc: -18,
    text: "ERROR: address family is not a valid IP address family (AF_INET, AF_INET6)",
  },
  INVALID_IP_ADDRESS: {
    rc: -19,
    text: "ERROR: the specified IP address is not valid for the current function",
  },
  INVALID_IPV6_NETWORK_INTERFACE: {
    rc: -20,
    text: "ERROR: the specified network interface is not valid for IPv6 networking",
  },
  NEW_OBJ: { rc: -21, text: "ERROR: creation of a new object in the heap failed" },
  NO_CERTIFICATE: {
    rc: -22,
    text: "ERROR: the peer did not supply a valid certificate for a TLS/SSL connection",
  },
  UNIQUE_ID_DOES_NOT_MATCH: {
    rc: -23,
    text:
      "ERROR: the unique ID sent by the peer does not match the CN field inside the X.509 provided certificate",
  },
  NO_TLS_CONNECTION: {
    rc: -24,
    text: "ERROR: the connection is not a TLS connection, but a TLS operation was requested",
  },
  INVALID_TIMESTAMP_FORMAT: { rc: -25, text: "ERROR: format not valid for a timestamp resource" },
  RESOURCE_INIT_ERROR: { rc: -26, text: "ERROR: the resource can not be initialized" },
  CONNECTION_CLOSED_BY_SERVER: {
    rc: -27,
    text: "ERROR: the server has unilaterally closed the connection",
  },
  OBJ_NOT_FOUND_ERROR: { rc: -28, text: "ERROR: object not found" },
  ACCEPT_ERROR: { rc: -100, text: "ERROR: 'accept' function returned an error condition" },
  BIND_ERROR: { rc: -101, text: "ERROR: 'bind' function returned an error condition" },
  CHDIR_ERROR: { rc: -102, text: "ERROR: 'chdir' function returned an error condition" },
  CLOSE_ERROR: { rc: -103, text: "ERROR: 'close' function returned an error condition" },
  CLOSEDIR_ERROR: { rc: -104, text: "ERROR: 'closedir' function returned an error condition" },
  CONNECT_ERROR: { rc: -105, text: "ERROR: 'connect' function returned an error condition" },
  EXECVP_ERROR: { rc: -106, text: "ERROR: 'execvp' function returned an error condition" },
  FCNTL_ERROR: { rc: -107, text: "ERROR: 'fcntl' function returned an error condition" },
  FLOCK_ERROR: { rc: -108, text: "ERROR: 'flock' function returned an error condition" },
  FORK_ERROR: { rc: -109, text: "ERROR: 'fork' function returned an error condition" },
  GETADDRINFO_ERROR: {
    rc: -110,
    text: "ERROR: 'getaddrinfo' function returned an error condition",
  },
  GETIFADDRS_ERROR: { rc: -111, text: "ERROR: 'getifaddrs' function returned an error condition" },
  GETNAMEINFO_ERROR: {
    rc: -112,
    text: "ERROR: 'getnameinfo' function returned an error condition",
  },
  GETSOCKNAME_ERROR: {
    rc: -113,
    text: "ERROR: 'getsockname' function returned an error condition",
  },
  GETSOCKOPT_ERROR: { rc: -114, text: "ERROR: 'getsockopt' function returned an error condition" },
  GETTIMEOFDAY_ERROR: {
    rc: -115,
    text: "ERROR: 'gettimeofday' function returned an error condition",
  },
  INET_NTOP_ERROR: { rc: -116, text: "ERROR: 'inet_ntop' function returned an error condition" },
  LISTEN_ERROR: { rc: -117, text: "ERROR: 'listen' function returned an error condition" },
  LOCALTIME_R_ERROR: {
    rc: -118,
    text: "ERROR: 'localtime_r' function returned an error condition",
  },
  MALLOC_ERROR: {
    rc: -119,
    text: "ERROR: 'malloc'/'g_malloc' function returned an error condition",
  },
  OPEN_ERROR: { rc: -120, text: "ERROR: 'open' function returned an error condition" },
  OPENDIR_ERROR: { rc: -121, text: "ERROR: 'opendir' function returned an error condition" },
  PIPE_ERROR: { rc: -122, text: "ERROR: 'pipe' function returned an error condition" },
  POLL_ERROR: { rc: -123, text: "ERROR: 'poll' function returned an error condition" },
  READ_ERROR: { rc: -124, text: "ERROR: 'read' function returned an error condition" },
  REALPATH_ERROR: { rc: -125, text: "ERROR: 'realpath' function returned an error condition" },
  RECV_ERROR: { rc: -126, text: "ERROR: 'recv' function returned an error condition" },
  RECVFROM_ERROR: { rc: -127, text: "ERROR: 'recvfrom' function returned an error condition" },
  REGCOMP_ERROR: { rc: -128, text: "ERROR: 'regcomp' function returned an error condition" },
  REGEXEC_ERROR: { rc: -129, text: "ERROR: 'regexec' function returned an error condition" },
  SEND_ERROR: { rc: -130, text: "ERROR: 'send' function returned an error condition" },
  SENDTO_ERROR: { rc: -131, text: "ERROR: 'sendto' function returned an error condition" },
  SETSID_ERROR: { rc: -132, text: "ERROR: 'setsid' function returned an error condition" },
  SETSOCKOPT_ERROR: { rc: -133, text: "ERROR: 'setsockopt' function returned an error condition" },
  SIGACTION_ERROR: { rc: -134, text: "ERROR: 'sigaction' function returned an error condition" },
  SIGADDSET_ERROR: { rc: -135, text: "ERROR: 'sigaddset' function returned an error condition" },
  SIGEMPTYSET_ERROR: {
    rc: -136,
    text: "ERROR: 'sigemptyset' function returned an error condition",
  },
  SIGNAL_ERROR: { rc: -137, text: "ERROR: 'signal' function returned an error condition" },
  SIGPROCMASK_ERROR: {
    rc: -138,
    text: "ERROR: 'sigprocmask' function returned an error condition",
  },
  SOCKET_ERROR: { rc: -139, text: "ERROR: 'socket' function returned an error condition" },
  SNPRINTF_ERROR: {
    rc: -140,
    text:
      "ERROR: 'snprintf' function was not able to write the complete content due to insufficient buffer space",
  },
  UNLINK_ERROR: { rc: -141, text: "ERROR: 'unlink' function returned an error condition" },
  WAIT_ERROR: { rc: -142, text: "ERROR: 'wait' function returned an error condition" },
  WRITE_ERROR: { rc: -143, text: "ERROR: 'write' function returned an error condition" },
  G_ARRAY_NEW_ERROR: {
    rc: -200,
    text: "ERROR: 'g_array_new' function returned an error condition",
  },
  G_BASE64_DECODE_ERROR: {
    rc: -201,
    text: "ERROR: 'g_base64_decode' function returned an error condition",
  },
  G_BASE64_ENCODE_ERROR: {
    rc: -202,
    text: "ERROR: 'g_base64_encode' function returned an error condition",
  },
  G_KEY_FILE_LOAD_FROM_FILE_ERROR: {
    rc: -203,
    text: "ERROR: 'g_key_file_load_from_file' function returned an error condition",
  },
  G_KEY_FILE_NEW_ERROR: {
    rc: -204,
    text: "ERROR: 'g_key_file_new' function returned an error condition",
  },
  G_MARKUP_PARSE_CONTEXT_NEW_ERROR: {
    rc: -205,
    text: "ERROR: 'g_markup_parse_context_new' function returned an error condition",
  },
  G_MARKUP_PARSE_CONTEXT_PARSE_ERROR: {
    rc: -206,
    text: "ERROR: 'g_markup_parse_context_parse' function returned an error condition",
  },
  G_NODE_APPEND_DATA_ERROR: {
    rc: -207,
    text: "ERROR: 'g_node_append_data' function returned an error condition",
  },
  G_NODE_NEW_ERROR: { rc: -208, text: "ERROR: 'g_node_new' function returned an error condition" },
  G_NODE_PREPEND_DATA_ERROR: {
    rc: -209,
    text: "ERROR: 'g_node_prepend_data' function returned an error condition",
  },
  G_PTR_ARRAY_REMOVE_INDEX_FAST_ERROR: {
    rc: -210,
    text: "ERROR: 'g_ptr_array_remove_index_fast' function returned an error condition",
  },
  G_QUEUE_NEW_ERROR: {
    rc: -211,
    text: "ERROR: 'g_queue_new' function returned an error condition",
  },
  G_STRDUP_ERROR: { rc: -212, text: "ERROR: 'g_strdup' function returned an error condition" },
  G_STRNDUP_ERROR: { rc: -213, text: "ERROR: 'g_strndup' function returned an error condition" },
  G_STRSPLIT_ERROR: { rc: -214, text: "ERROR: 'g_strsplit' function returned an error condition" },
  G_THREAD_NEW_ERROR: {
    rc: -215,
    text: "ERROR: 'g_thread_new' function returned an error condition",
  },
  G_TRY_MALLOC_ERROR: {
    rc: -216,
    text: "ERROR: 'g_try_malloc'/'g_try_malloc0' function returned an error condition",
  },
  G_TRY_REALLOC_ERROR: {
    rc: -217,
    text: "ERROR: 'g_try_realloc' function returned an error condition",
  },
  GET_FIELD_ID_ERROR: { rc: -300, text: "ERROR: 'JNI GetFieldID' function returned NULL pointer" },
  GET_OBJECT_CLASS_ERROR: {
    rc: -301,
    text: "ERROR: 'JNI GetObjectClass' function returned NULL pointer",
  },
  NEW_DIRECT_BYTE_BUFFER_ERROR: {
    rc: -302,
    text: "ERROR: 'JNI NewDirectByteBuffer' function returned NULL pointer",
  },
  SSL_CTX_CHECK_PRIVATE_KEY_ERROR: {
    rc: -400,
    text: "ERROR: 'OpenSSL SSL_CTX_check_private_key' function returned an error",
  },
  SSL_CTX_LOAD_VERIFY_LOCATIONS_ERROR: {
    rc: -401,
    text: "ERROR: 'OpenSSL SSL_CTX_load_verify_locations' function returned an error",
  },
  SSL_CTX_NEW_ERROR: { rc: -402, text: "ERROR: 'OpenSSL SSL_CTX_new' function returned an error" },
  SSL_CTX_USE_CERTIFICATE_FILE_ERROR: {
    rc: -403,
    text: "ERROR: 'OpenSSL SSL_CTX_use_certificate_file' function returned an error",
  },
  SSL_CTX_USE_PRIVATEKEY_FILE_ERROR: {
    rc: -404,
    text: "ERROR: 'OpenSSL SSL_CTX_use_PrivateKey_file' function returned an error",
  },
  // No text: the original's flom_strerror has no case for it.
  SSL_ACCEPT_ERROR: { rc: -405, text: undefined },
  SSL_CONNECT_ERROR: { rc: -406, text: "ERROR: 'OpenSSL SSL_connect' function returned an error" },
  SSL_GET_VERIFY_RESULT_ERROR: {
    rc: -407,
    text: "ERROR: 'OpenSSL SSL_get_verify_result' function returned an error",
  },
  SSL_NEW_ERROR: { rc: -408, text: "ERROR: 'OpenSSL SSL_new' function returned an error" },
  SSL_READ_ERROR: { rc: -409, text: "ERROR: 'OpenSSL SSL_read' function returned an error" },
  SSL_SET_EX_DATA_ERROR: {
    rc: -410,
    text: "ERROR: 'OpenSSL SSL_set_ex_data' function returned an error",
  },
  SSL_SET_FD_ERROR: { rc: -411, text: "ERROR: 'OpenSSL SSL_set_fd' function returned an error" },
  SSL_WRITE_ERROR: { rc: -412, text: "ERROR: 'OpenSSL SSL_write' function returned an error" },
  TLS_NO_VALID_METHOD: { rc: -413, text: "ERROR: no valid TLS/SSL method was found" },
} as const;

type Reasons = typeof REASONS;

/** Every reason code by name: `RC.LOCK_BUSY` is 4. */
export const RC = Object.fromEntries(
  Object.entries(REASONS).map(([name, { rc }]) => [name, rc]),
) as { readonly [Name in keyof Reasons]: Reasons[Name]["rc"] };

const TEXTS: ReadonlyMap<number, string> = new Map(
  Object.values(REASONS).flatMap(({ rc, text }): [number, string][] =>
    text === undefined ? [] : [[rc, text]]
  ),
);

/** The original's `flom_strerror()`: the exact text for `rc`, `ERROR: unknown error` if none. */
export function strerror(rc: number): string {
  return TEXTS.get(rc) ?? "ERROR: unknown error";
}
