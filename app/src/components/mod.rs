pub mod data_table;
pub mod dialog;
pub mod icons;
pub mod key_form;
pub mod permission_grid;
pub mod roll_dialog;
pub mod select_field;
pub mod text_field;
