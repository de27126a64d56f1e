//! Explosives precursors: screening under Regulation (EU) 2019/1148.
