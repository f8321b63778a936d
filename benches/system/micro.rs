use crate::report::Report;
pub fn section(_r: &mut Report) {}
