// A wasi:http incoming handler in the explicit handle(request, responseOut)
// style. `served` counts requests per instance, so a response saying
// "served=1" every time proves the host gives each request a fresh instance.
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from "wasi:http/types@0.2.10";
import { getEnvironment } from "wasi:cli/environment@0.2.10";

let served = 0;

function readBody(request) {
  const stream = request.consume().stream();
  const chunks = [];
  for (;;) {
    try {
      chunks.push(stream.blockingRead(65536n));
    } catch (error) {
      if (error?.tag === "closed" || error?.payload?.tag === "closed") break;
      throw error;
    }
  }
  return chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
}

export const incomingHandler = {
  handle(request, responseOut) {
    served++;
    const greeting = getEnvironment().find(([name]) => name === "GREETING")?.[1] ?? "";
    const text = `${request.method().tag} ${request.pathWithQuery()} served=${served} greeting=${greeting} body=${readBody(request)}`;
    const response = new OutgoingResponse(Fields.fromList([["content-type", new TextEncoder().encode("text/plain")]]));
    response.setStatusCode(200);
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: "ok", val: response });
    const out = body.write();
    out.blockingWriteAndFlush(new TextEncoder().encode(text));
    out[Symbol.dispose]?.();
    OutgoingBody.finish(body, undefined);
  },
};
