// The event recorder lives in client/ so the node agent (which must not import
// control-plane code) writes events the same way the controllers do.
export { type EventRecorder, eventRecorder, type EventType } from "../../../../client/event-recorder.ts";
