// Package natscluster is the cluster of Switchboard nodes on NATS (see internal/cluster): nodes
// that serve the same API on one NATS system reach each other's connections by request/reply
// and record their own connections in JetStream KV under a lease, so that when a node dies a
// surviving node delivers their $disconnect.
//
// Use Connect to open the NATS connection of a process (one for all its APIs), Embed to run a
// NATS server with JetStream inside the process (`serve --nats-embed`), and Join to make a
// node's cluster.Member for one API on a connection. Member.Leave takes the node out again.
//
// # Subjects and keys
//
// With prefix P (cluster.subjectPrefix, default "switchboard") and API id A, node N (the 8 hex
// digits of its NodeID) answers requests on P.A.node.N.{post,get,delete,tag,untag}.{connectionId}
// and P.A.node.N.ping, and every node answers P.A.all.{list,broadcast} for its own
// connections (the asking node gathers the answers); nothing else. The JetStream KV bucket P_A
// (dots in P become '_') holds
//
//	n.N        the lease of node N: created with a TTL and renewed, so it expires when N dies
//	c.N.{id}   the record of connection {id} of node N: what its DISCONNECT event needs
//	r.N        the claim of the node reaping dead node N (a TTL too)
//
// Exactly one delivery per lost connection comes from deleting its record with the revision
// read (a compare-and-set): the node whose delete succeeds delivers $disconnect, any other
// finds the record gone.
package natscluster
