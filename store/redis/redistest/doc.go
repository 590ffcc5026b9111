// Package redistest starts a private redis-server for a test, so that tests
// of Redis-backed code run against a real server without ever touching a
// developer's own Redis.
//
// # Use
//
//	func TestSomething(t *testing.T) {
//		srv := redistest.Start(t)   // skipped (or failed when CI=true) without redis-server
//		client := srv.Client(t)     // a go-redis client with the options store/redis wants
//		st, err := redis.New(redis.Config{Client: client})
//		…
//	}
//
// Start picks a free loopback port, runs redis-server bound to 127.0.0.1
// with a temporary directory and persistence off (--save "" --appendonly
// no), waits until it answers PING, and stops it when the test ends.
// Extra arguments to Start go to redis-server, for example
// Start(t, "--maxmemory", "7mb"). StartCluster starts a one-node Redis
// Cluster owning every slot, and ClusterClient connects to it as a
// goredis.ClusterClient. Every call of
// Start is a separate server; every call of Client is a separate client
// with its own connection pool, as another instance of a service would
// have.
//
// # Clusters and Sentinel
//
// NewCluster starts a Redis Cluster of real nodes — three masters with a
// replica each by default — formed with redis-cli --cluster create, every
// node with cluster-allow-reads-when-down no, a one-second node timeout
// and its own bus port. Forming one takes about two seconds, so a package
// shares one through a SharedCluster (closed by its TestMain). Kill
// (SIGKILL) and WaitFailover crash a master and wait for its replica to
// take over; Heal restarts the dead and waits until the cluster is whole
// and agreed again; MoveSlots reshards with redis-cli --cluster reshard
// while clients keep working. Slot is CLUSTER KEYSLOT in Go, and a Guard
// on a cluster client checks that no command's keys span two slots and
// that no MOVED, ASK, CROSSSLOT or TRYAGAIN reaches the caller.
//
// NewSentinel starts a master, two replicas and three sentinels that fail
// the master over a second after it stops answering; Client is a go-redis
// failover client. With SentinelConfig.ReplicaLag the master sits behind a
// LagProxy that delays its replication stream and loses what it holds
// when the master dies, as replicas in another zone see a crash.
//
// # Faults
//
// Stop kills the server (its data is gone), Restart brings up a new, empty
// server on the same address, and Pause/Resume freeze and continue the
// process with SIGSTOP/SIGCONT: connections stay open but nothing is
// answered, which is how a stuck server looks to a client.
//
// # Requirements
//
// redis-server must be on PATH (Debian: apt-get install redis-server), and
// redis-cli for clusters (redis-tools). When the environment variable CI
// is "true" a missing tool fails the test; elsewhere the test is skipped
// with a message saying so.
package redistest
