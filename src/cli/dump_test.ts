import assert from "node:assert/strict";
import { defaultSettings } from "../config/settings.ts";
import { LockMode } from "../resources/lock_mode.ts";
import { formatSettingsDump } from "./dump.ts";

Deno.test("formatSettingsDump() prints the 29 lines of the defaults byte for byte", () => {
  const expected = `[Trace]/DaemonTraceFile=''
[Trace]/CommandTraceFile=''
[Trace]/AppendTraceFile=0
[Trace]/Verbose=0
[Resource]/Name='_RESOURCE'
[Resource]/Timeout=-1
[Resource]/Quantity=1
[Resource]/LockMode=5
[Resource]/Create=1
[Resource]/IdleLifespan=0
[Daemon]/SocketName=''
[Daemon]/Lifespan=5000
[Daemon]/UnicastAddress=''
[Daemon]/UnicastPort=28015
[Daemon]/MulticastAddress=''
[Daemon]/MulticastPort=28015
[Daemon]/MountPointVFS=''
[Monitor]/IgnoredSignals=''
[Network]/NetworkInterface=''
[Network]/DiscoveryAttempts=2
[Network]/DiscoveryTimeout=500
[Network]/DiscoveryTTL=1
[Network]/TcpKeepaliveTime=60
[Network]/TcpKeepaliveIntvl=10
[Network]/TcpKeepaliveProbes=6
[TLS]/TlsCertificate=''
[TLS]/TlsPrivateKey=''
[TLS]/TlsCaCertificate=''
[TLS]/TlsCheckPeerId=0
`;
  assert.equal(formatSettingsDump(defaultSettings()), expected);
});

Deno.test("formatSettingsDump() shows set values, signals as names", () => {
  const dump = formatSettingsDump({
    ...defaultSettings(),
    verbose: true,
    resourceName: "MYRES",
    lockMode: LockMode.ProtectedRead,
    resourceCreate: false,
    socketName: "/tmp/x y  ",
    ignoredSignals: [3, 15],
    tlsCertificate: "/tmp/foo.pem",
  }).split("\n");
  assert.equal(dump.length, 30);
  for (
    const line of [
      "[Trace]/Verbose=1",
      "[Resource]/Name='MYRES'",
      "[Resource]/LockMode=3",
      "[Resource]/Create=0",
      "[Daemon]/SocketName='/tmp/x y  '",
      "[Monitor]/IgnoredSignals='SIGQUIT;SIGTERM'",
      "[TLS]/TlsCertificate='/tmp/foo.pem'",
    ]
  ) {
    assert.ok(dump.includes(line), line);
  }
});

Deno.test("formatSettingsDump() adds flom's own settings after the original's lines, only when set", () => {
  const original = formatSettingsDump(defaultSettings());
  const dump = formatSettingsDump({ ...defaultSettings(), metricsAddress: "[::1]:9100" });
  assert.equal(dump, `${original}[Daemon]/MetricsAddress='[::1]:9100'\n`);
  const etcd = formatSettingsDump({
    ...defaultSettings(),
    etcdEndpoints: "http://127.0.0.1:2379",
    etcdLeaseTtl: 3,
  });
  assert.equal(etcd, `${original}[Etcd]/Endpoints='http://127.0.0.1:2379'\n[Etcd]/LeaseTTL=3\n`);
});
