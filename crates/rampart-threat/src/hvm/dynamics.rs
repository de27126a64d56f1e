//! The vehicle dynamics of a run-up: constant acceleration along straight stretches,
//! speed caps in bends from side friction (and banking), kinetic energy.
//!
//! Units are SI throughout (m, s, m/s, kg, J); conversions to km/h and kJ happen
//! only where results are printed.

/// Standard gravity, m/s².
pub const G: f64 = 9.806_65;

/// Speed after running `distance` m at `accel` m/s² from `v0` m/s: v = √(v₀² + 2ad).
pub fn run_up_speed(v0: f64, accel: f64, distance: f64) -> f64 {
    (v0 * v0 + 2.0 * accel * distance.max(0.0)).max(0.0).sqrt()
}

/// Highest speed through a bend of radius `radius` m with side friction `mu` on a
/// flat road: v = √(μ g r).
pub fn flat_bend_speed(mu: f64, radius: f64) -> f64 {
    (mu * G * radius).max(0.0).sqrt()
}

/// Highest speed through a bend banked with superelevation `e` (rise over run,
/// e.g. 0.06): v = √(g r (μ + e) / (1 − μ e)). When μe ≥ 1 friction alone holds the
/// vehicle at any speed and there is no cap.
pub fn banked_bend_speed(mu: f64, radius: f64, e: f64) -> f64 {
    let denominator = 1.0 - mu * e;
    if denominator <= 0.0 {
        return f64::INFINITY;
    }
    (G * radius * (mu + e) / denominator).max(0.0).sqrt()
}

/// The bend cap for a radius and an optional banking.
pub fn bend_speed(mu: f64, radius: f64, bank: Option<f64>) -> f64 {
    if !radius.is_finite() {
        return f64::INFINITY;
    }
    match bank {
        Some(e) if e != 0.0 => banked_bend_speed(mu, radius, e),
        _ => flat_bend_speed(mu, radius),
    }
}

/// Kinetic energy ½mv², in joules.
pub fn kinetic_energy(mass_kg: f64, speed: f64) -> f64 {
    0.5 * mass_kg * speed * speed
}

/// Radius of the circle through three points (x, y in metres): r = abc / (4·area).
/// Collinear points give an infinite radius (a straight line: no bend).
pub fn circumradius(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    let ab = (b.0 - a.0).hypot(b.1 - a.1);
    let bc = (c.0 - b.0).hypot(c.1 - b.1);
    let ca = (a.0 - c.0).hypot(a.1 - c.1);
    let twice_area = ((b.0 - a.0) * (c.1 - a.1) - (c.0 - a.0) * (b.1 - a.1)).abs();
    // Nearly collinear: treat as straight (relative to the triangle's size).
    if twice_area <= 1e-9 * (ab * bc).max(1e-12) {
        return f64::INFINITY;
    }
    ab * bc * ca / (2.0 * twice_area)
}

pub fn kmh(ms: f64) -> f64 {
    ms * 3.6
}

pub fn ms(kmh: f64) -> f64 {
    kmh / 3.6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} is not within {tol} of {b}");
    }

    #[test]
    fn run_up_by_hand() {
        // From rest, 1.3 m/s² over 100 m: √(2·1.3·100) = √260 = 16.1245 m/s = 58.05 km/h.
        close(run_up_speed(0.0, 1.3, 100.0), 16.124_515, 1e-6);
        close(kmh(run_up_speed(0.0, 1.3, 100.0)), 58.048_25, 1e-4);
        // From 10 m/s, 2.9 m/s² over 50 m: √(100 + 290) = √390 = 19.7484 m/s.
        close(run_up_speed(10.0, 2.9, 50.0), 19.748_418, 1e-6);
        // A negative distance does not slow the vehicle.
        close(run_up_speed(5.0, 2.0, -3.0), 5.0, 1e-12);
    }

    #[test]
    fn bend_speeds_by_hand() {
        // μ = 0.7, r = 20 m: √(0.7 · 9.80665 · 20) = √137.2931 = 11.7173 m/s = 42.18 km/h.
        close(flat_bend_speed(0.7, 20.0), 11.717_214, 1e-5);
        // Banked e = 0.1: √(9.80665 · 20 · 0.8 / 0.93) = √168.7166 = 12.9891 m/s.
        close(banked_bend_speed(0.7, 20.0, 0.1), 12.989_095, 1e-5);
        // Banking of zero is the flat formula; a straight line has no cap.
        close(bend_speed(0.7, 20.0, Some(0.0)), flat_bend_speed(0.7, 20.0), 1e-12);
        assert!(bend_speed(0.7, f64::INFINITY, None).is_infinite());
        assert!(banked_bend_speed(2.0, 10.0, 0.5).is_infinite());
    }

    #[test]
    fn energy_by_hand() {
        // 7200 kg at 80 km/h = 22.222 m/s: ½ · 7200 · 493.827 = 1,777,778 J.
        close(kinetic_energy(7200.0, ms(80.0)), 1_777_777.78, 0.01);
        // 1500 kg at 48 km/h = 13.333 m/s: 133,333 J.
        close(kinetic_energy(1500.0, ms(48.0)), 133_333.33, 0.01);
    }

    #[test]
    fn three_point_circle_by_hand() {
        // Points on a circle of radius 5 about the origin.
        close(circumradius((5.0, 0.0), (0.0, 5.0), (-5.0, 0.0)), 5.0, 1e-9);
        // A right angle with 20 m legs: the hypotenuse is a diameter, r = √800 / 2 = 14.142 m.
        close(circumradius((0.0, 20.0), (0.0, 0.0), (20.0, 0.0)), 14.142_136, 1e-6);
        assert!(circumradius((0.0, 0.0), (1.0, 1.0), (2.0, 2.0)).is_infinite());
    }
}
