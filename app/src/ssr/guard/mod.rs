//! What stands guard over every door: the client's address (and device), throttling counted in
//! PostgreSQL, and the audit log. The lowest layer of the services: nothing here reads the state or
//! calls a service; each function takes what it needs.

pub mod address;
pub mod audit;
pub mod throttle;
