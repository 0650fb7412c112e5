use descent::linreg::*;
fn main() {
    let data = Data::generate(40, Line::new(2.0, 1.0), 0.6, 0.0..4.0, 2);
    let best = mse(closed_form(&data).unwrap(), &data);
    let start = Line::new(0.0, 0.0);
    for (lr, b, ep) in [(0.05,4,10),(0.02,4,10),(0.05,4,5),(0.01,4,10), (0.02, 1, 2), (0.05,8,10)] {
    let run = sgd(&data, start, lr, b, ep, 7).unwrap();
    let k = run.losses.len()-1; let gsteps = ep;
    let gd = gradient_descent(&data, start, lr, gsteps).unwrap();
    println!("{lr} {b} {ep} best {best} sgd {} gd {} ", run.losses[k]-best, gd.losses[gsteps]-best);
    }
}
