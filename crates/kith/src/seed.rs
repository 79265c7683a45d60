//! `kith dev seed`: a deterministic synthetic network for benchmarks and demos.
use crate::app::{Ctx, Result};

pub struct Plan {
    pub people: usize,
    pub ties_per_person: usize,
    pub interactions: usize,
    pub seed: u64,
}

pub fn seed(_ctx: &mut Ctx, _plan: Plan) -> Result<()> {
    Err(crate::app::usage("seed: not built yet"))
}
