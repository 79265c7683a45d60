//! The knobs of relationship intelligence, with defaults that follow the networking method.
//!
//! Every field has a default, and the struct deserializes with `#[serde(default)]`, so a
//! settings file only needs the values it changes, e.g. `{"cadence": {"a": 7}}`. Times of day
//! are written `"09:00"`.

use jiff::civil::Time;
use serde::{Deserialize, Serialize};

use crate::model::{NetType, Tier};

/// Longest cadence kith accepts, whatever the input: ten years. Past this a "cadence" means
/// "never", and arithmetic on it would only produce odd dates.
pub const MAX_CADENCE_DAYS: u32 = 3650;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Default keep-in-touch cadence in days, by tier.
    pub cadence: TierCadence,
    /// Multiplies the tier cadence by networking type.
    pub type_multiplier: TypeMultiplier,
    /// The working day the planner fills, local time.
    pub work_start: Time,
    pub work_end: Time,
    /// Where a lunch fits ("never lunch alone").
    pub lunch: Window,
    /// Where a coffee fits.
    pub coffee: Vec<Window>,
    /// Length of a coffee, call or message slot in the day plan, in minutes.
    pub slot_minutes: u32,
    /// Length of a lunch in the day plan, in minutes.
    pub lunch_minutes: u32,
    /// At most this many reconnects are placed into one day's plan: a plan with ten coffees is
    /// not a plan anyone follows.
    pub max_reconnects_per_day: u32,
    /// How much each part of the warmth score weighs.
    pub warmth: WarmthWeights,
}

/// Keep-in-touch cadence in days by tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierCadence {
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub d: u32,
    /// For people without a tier: between C and D, so nobody is forgotten but nobody untiered
    /// crowds the reconnect list either.
    pub untiered: u32,
}

/// Cadence multipliers by networking type.
///
/// Defaults: strategic 1.0 and operational 1.0, personal 1.5. Strategic ties (future-oriented:
/// mentors, investors, people who shape where you go) are exactly the ones the method says to
/// tend actively, so they are not stretched; operational ties come with the current work, whose
/// own rhythm already brings contact, so the tier alone decides. Personal ties (friends, people
/// you like and trust) rest on affection more than on recent contact and survive longer gaps,
/// so their clock runs half as fast again: a tier B friend is due every 45 days, not 30.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypeMultiplier {
    pub strategic: f64,
    pub operational: f64,
    pub personal: f64,
}

/// A window of local time within a day, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: Time,
    pub end: Time,
}

/// The maximum points of each warmth component. They need not sum to 100: the warmth score
/// scales them so that they do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarmthWeights {
    pub recency: f64,
    pub frequency: f64,
    pub reciprocity: f64,
    pub tie: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cadence: TierCadence::default(),
            type_multiplier: TypeMultiplier::default(),
            work_start: Time::constant(9, 0, 0, 0),
            work_end: Time::constant(18, 0, 0, 0),
            lunch: Window { start: Time::constant(12, 0, 0, 0), end: Time::constant(14, 0, 0, 0) },
            coffee: vec![
                Window { start: Time::constant(10, 0, 0, 0), end: Time::constant(11, 0, 0, 0) },
                Window { start: Time::constant(15, 0, 0, 0), end: Time::constant(17, 0, 0, 0) },
            ],
            slot_minutes: 30,
            lunch_minutes: 60,
            max_reconnects_per_day: 4,
            warmth: WarmthWeights::default(),
        }
    }
}

impl Default for TierCadence {
    fn default() -> Self {
        TierCadence { a: 14, b: 30, c: 90, d: 365, untiered: 180 }
    }
}

impl Default for TypeMultiplier {
    fn default() -> Self {
        TypeMultiplier { strategic: 1.0, operational: 1.0, personal: 1.5 }
    }
}

impl Default for WarmthWeights {
    fn default() -> Self {
        // Recency matters most (a relationship cools if untended), then tie strength (what you
        // know about the bond), frequency, and the give-and-take balance.
        WarmthWeights { recency: 40.0, frequency: 25.0, reciprocity: 15.0, tie: 20.0 }
    }
}

/// The explanation strings of [`Settings::cadence_days`], one per (tier, scaling type) pair, so
/// that the reason can be a `&'static str`.
macro_rules! why_table {
    ($tier:expr, $ty:expr; $($t:ident => $label:literal),*) => {
        match ($tier, $ty) {
            $(
                (Some(Tier::$t), None) => concat!("tier ", $label, " default"),
                (Some(Tier::$t), Some(NetType::Strategic)) => concat!("tier ", $label, " default, scaled for a strategic tie"),
                (Some(Tier::$t), Some(NetType::Operational)) => concat!("tier ", $label, " default, scaled for an operational tie"),
                (Some(Tier::$t), Some(NetType::Personal)) => concat!("tier ", $label, " default, stretched for a personal tie"),
            )*
            (None, None) => "default for people without a tier",
            (None, Some(NetType::Strategic)) => "default for people without a tier, scaled for a strategic tie",
            (None, Some(NetType::Operational)) => "default for people without a tier, scaled for an operational tie",
            (None, Some(NetType::Personal)) => "default for people without a tier, stretched for a personal tie",
        }
    };
}

impl Settings {
    /// The cadence in days for a person, and why in words. A per-person override wins over
    /// everything; otherwise the tier default times the networking type's multiplier. The
    /// result is always in `1..=MAX_CADENCE_DAYS`, whatever the settings or the override say
    /// (a cadence of 0 days would make someone due forever).
    pub fn cadence_days(
        &self,
        tier: Option<Tier>,
        net_type: Option<NetType>,
        override_days: Option<u32>,
    ) -> (u32, &'static str) {
        if let Some(days) = override_days {
            return (days.clamp(1, MAX_CADENCE_DAYS), "set for this person");
        }
        let base = match tier {
            Some(Tier::A) => self.cadence.a,
            Some(Tier::B) => self.cadence.b,
            Some(Tier::C) => self.cadence.c,
            Some(Tier::D) => self.cadence.d,
            None => self.cadence.untiered,
        };
        let multiplier = match net_type {
            Some(NetType::Strategic) => self.type_multiplier.strategic,
            Some(NetType::Operational) => self.type_multiplier.operational,
            Some(NetType::Personal) => self.type_multiplier.personal,
            None => 1.0,
        };
        // A multiplier that is 1, or unusable (zero, negative, NaN), leaves the tier default.
        let scaled = multiplier.is_finite() && multiplier > 0.0 && multiplier != 1.0;
        let days = if scaled { (f64::from(base) * multiplier).round() } else { f64::from(base) };
        let days = days.clamp(1.0, f64::from(MAX_CADENCE_DAYS)) as u32;
        let why = why_table!(tier, if scaled { net_type } else { None };
            A => "A", B => "B", C => "C", D => "D");
        (days, why)
    }

    /// Refuse settings that no plan or cadence could use, naming the field: a cadence outside
    /// `1..=MAX_CADENCE_DAYS`, a multiplier or weight that is not a positive number, a window
    /// that ends before it starts, slots of no length.
    pub fn check(&self) -> Result<(), String> {
        let c = &self.cadence;
        for (name, days) in [("a", c.a), ("b", c.b), ("c", c.c), ("d", c.d), ("untiered", c.untiered)] {
            if !(1..=MAX_CADENCE_DAYS).contains(&days) {
                return Err(format!("cadence.{name} is {days} days; use 1 to {MAX_CADENCE_DAYS}"));
            }
        }
        let m = &self.type_multiplier;
        for (name, x) in [("strategic", m.strategic), ("operational", m.operational), ("personal", m.personal)] {
            if !(x.is_finite() && x > 0.0 && x <= 100.0) {
                return Err(format!(
                    "type_multiplier.{name} is {x}; use a number above 0 (1 leaves the tier's cadence)"
                ));
            }
        }
        if !self.has_working_day() {
            return Err(format!("work_start {} is not before work_end {}", self.work_start, self.work_end));
        }
        let windows = std::iter::once(("lunch", &self.lunch)).chain(self.coffee.iter().map(|w| ("coffee", w)));
        for (name, w) in windows {
            if w.start >= w.end {
                return Err(format!("the {name} window {}–{} ends before it starts", w.start, w.end));
            }
        }
        for (name, minutes) in [("slot_minutes", self.slot_minutes), ("lunch_minutes", self.lunch_minutes)] {
            if !(5..=480).contains(&minutes) {
                return Err(format!("{name} is {minutes}; use 5 to 480"));
            }
        }
        let w = &self.warmth;
        let weights =
            [("recency", w.recency), ("frequency", w.frequency), ("reciprocity", w.reciprocity), ("tie", w.tie)];
        if let Some((name, x)) = weights.iter().find(|(_, x)| !(x.is_finite() && *x >= 0.0)) {
            return Err(format!("warmth.{name} is {x}; use a number of 0 or more"));
        }
        if weights.iter().map(|(_, x)| x).sum::<f64>() <= 0.0 {
            return Err("the warmth weights are all 0; give at least one some weight".into());
        }
        Ok(())
    }

    /// Whether the settings' times make a usable working day; the planner plans nothing on a day
    /// that ends before it starts.
    pub fn has_working_day(&self) -> bool {
        self.work_start < self.work_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_bad_field() {
        assert_eq!(Settings::default().check(), Ok(()));
        let mut s = Settings::default();
        s.cadence.b = 0;
        assert!(s.check().unwrap_err().starts_with("cadence.b is 0 days"));
        let mut s = Settings::default();
        s.type_multiplier.personal = f64::NAN;
        assert!(s.check().unwrap_err().starts_with("type_multiplier.personal"));
        let s = Settings { work_end: Time::constant(8, 0, 0, 0), ..Default::default() };
        assert!(s.check().unwrap_err().contains("not before work_end"));
        let mut s = Settings::default();
        s.coffee[1].end = s.coffee[1].start;
        assert!(s.check().unwrap_err().contains("coffee window"));
        let s = Settings {
            warmth: WarmthWeights { recency: 0.0, frequency: 0.0, reciprocity: 0.0, tie: 0.0 },
            ..Default::default()
        };
        assert!(s.check().unwrap_err().contains("all 0"));
    }

    #[test]
    fn cadence_table() {
        use NetType::*;
        use Tier::*;
        let s = Settings::default();
        // (tier, net type, override, expected days, expected why)
        type Row = (Option<Tier>, Option<NetType>, Option<u32>, u32, &'static str);
        let table: &[Row] = &[
            (Some(A), None, None, 14, "tier A default"),
            (Some(B), None, None, 30, "tier B default"),
            (Some(C), None, None, 90, "tier C default"),
            (Some(D), None, None, 365, "tier D default"),
            (None, None, None, 180, "default for people without a tier"),
            (Some(A), Some(Strategic), None, 14, "tier A default"),
            (Some(C), Some(Operational), None, 90, "tier C default"),
            (Some(B), Some(Personal), None, 45, "tier B default, stretched for a personal tie"),
            (Some(A), Some(Personal), None, 21, "tier A default, stretched for a personal tie"),
            (None, Some(Personal), None, 270, "default for people without a tier, stretched for a personal tie"),
            (Some(A), Some(Personal), Some(7), 7, "set for this person"),
            (Some(D), None, Some(0), 1, "set for this person"),
            (None, None, Some(u32::MAX), MAX_CADENCE_DAYS, "set for this person"),
        ];
        for &(tier, ty, ov, days, why) in table {
            assert_eq!(s.cadence_days(tier, ty, ov), (days, why), "{tier:?} {ty:?} {ov:?}");
        }
    }

    #[test]
    fn odd_settings_stay_in_range() {
        let mut s = Settings::default();
        s.cadence.a = 0;
        s.cadence.d = u32::MAX;
        s.type_multiplier.strategic = f64::NAN;
        s.type_multiplier.personal = -2.0;
        s.type_multiplier.operational = 0.5;
        assert_eq!(s.cadence_days(Some(Tier::A), None, None).0, 1);
        assert_eq!(s.cadence_days(Some(Tier::D), None, None).0, MAX_CADENCE_DAYS);
        assert_eq!(s.cadence_days(Some(Tier::B), Some(NetType::Strategic), None), (30, "tier B default"));
        assert_eq!(s.cadence_days(Some(Tier::B), Some(NetType::Personal), None), (30, "tier B default"));
        assert_eq!(
            s.cadence_days(Some(Tier::B), Some(NetType::Operational), None),
            (15, "tier B default, scaled for an operational tie")
        );
    }

    #[test]
    fn partial_settings_deserialize_over_defaults() {
        let s: Settings = serde_json::from_str(
            r#"{"cadence": {"a": 7}, "work_start": "08:30", "coffee": [{"start": "16:00", "end": "16:30"}]}"#,
        )
        .unwrap();
        assert_eq!(s.cadence.a, 7);
        assert_eq!(s.cadence.b, 30);
        assert_eq!(s.work_start, Time::constant(8, 30, 0, 0));
        assert_eq!(s.work_end, Time::constant(18, 0, 0, 0));
        assert_eq!(s.coffee.len(), 1);
        assert_eq!(s.warmth, WarmthWeights::default());
        // And what is serialized reads back the same.
        let back: Settings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn default_working_day_is_usable() {
        assert!(Settings::default().has_working_day());
    }
}
