// The JS fixture's wasi:http echo (node-agent/src/runtime/testdata/js/http-echo.js)
// as a compiled guest: same response text, so the benchmark compares engines and
// guests on the same work. Built for wasm32-wasip2 by e2e/bench/wasm.ts.
use std::cell::Cell;
use std::io::{Read as _, Write as _};
use wasip2::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

wasip2::http::proxy::export!(Echo);

struct Echo;

thread_local! {
    /// Requests this instance served: "served=1" on every response proves a fresh instance each.
    static SERVED: Cell<u32> = const { Cell::new(0) };
}

fn method_name(method: Method) -> String {
    match method {
        Method::Get => "get".into(),
        Method::Head => "head".into(),
        Method::Post => "post".into(),
        Method::Put => "put".into(),
        Method::Delete => "delete".into(),
        Method::Connect => "connect".into(),
        Method::Options => "options".into(),
        Method::Trace => "trace".into(),
        Method::Patch => "patch".into(),
        Method::Other(other) => other,
    }
}

impl wasip2::exports::http::incoming_handler::Guest for Echo {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let served = SERVED.with(|s| {
            s.set(s.get() + 1);
            s.get()
        });
        let greeting = wasip2::cli::environment::get_environment()
            .into_iter()
            .find(|(name, _)| name == "GREETING")
            .map(|(_, value)| value)
            .unwrap_or_default();
        let method = method_name(request.method());
        let path = request.path_with_query().unwrap_or_default();
        let mut body = Vec::new();
        if let Ok(incoming) = request.consume() {
            if let Ok(mut stream) = incoming.stream() {
                let _ = stream.read_to_end(&mut body);
            }
        }
        let text = format!("{method} {path} served={served} greeting={greeting} body={}", String::from_utf8_lossy(&body));

        let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain".to_vec())]).unwrap();
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(200);
        let out_body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = out_body.write().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(out_body, None).unwrap();
    }
}
