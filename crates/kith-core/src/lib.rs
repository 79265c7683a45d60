//! kith's domain: types, validation, ids, the hybrid logical clock, operations and pure
//! algorithms.
//!
//! Architecture invariant: this crate does no IO. No SQL, no files, no network, no reading the
//! clock or the time zone database of the machine at run time beyond what `jiff` is handed. "Now"
//! and the time zone are passed in by the caller, so every algorithm here is testable with a fixed
//! clock.

pub mod hlc;
pub mod id;
pub mod intel;
pub mod model;
pub mod op;
pub mod paths;
pub mod schema;
pub mod when;

pub use hlc::{Clock, Hlc};
pub use id::Id;
pub use op::{ChangeSet, NodeId, Op, RECORD, Stamper};
pub use schema::Kind;
