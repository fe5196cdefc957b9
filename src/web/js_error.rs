//! The single conversion from [`crate::Error`] to a JS `Error` carrying `code` and `field`.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::Error;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let js = js_sys::Error::new(&e.to_string());
        js.set_name("Mav2SessionKeyError");
        let _ = Reflect::set(&js, &"code".into(), &e.code().into());
        if let Some(field) = e.field() {
            let _ = Reflect::set(&js, &"field".into(), &field.into());
        }
        js.into()
    }
}
