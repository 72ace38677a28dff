// core/v1 Event, the kind `kubectl describe` and `kubectl get events` read.
import { type Static } from "@sinclair/typebox";
import { ObjectMeta, typeMeta } from "./meta-v1.ts";
import { int32, kind, MicroTime, named, opt, str, Time } from "./schema-builders.ts";
import { coreGvk, coreId, ObjectReference } from "./core-v1-common.ts";

export const EventSource = named(coreId("EventSource"), "EventSource contains information for an event.", {
  component: opt(str("Component from which the event is generated.")),
  host: opt(str("Node name on which the event is generated.")),
});

export const EventSeries = named(coreId("EventSeries"), "EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.", {
  count: opt(int32("Number of occurrences in this series up to the last heartbeat time")),
  lastObservedTime: opt(MicroTime),
});

export const Event = kind(
  coreId("Event"),
  coreGvk("Event"),
  "Event is a report of an event somewhere in the cluster.",
  {
    ...typeMeta(),
    metadata: ObjectMeta,
    involvedObject: ObjectReference,
    reason: opt(str("This should be a short, machine understandable string that gives the reason for the transition into the object's current status.")),
    message: opt(str("A human-readable description of the status of this operation.")),
    source: opt(EventSource),
    firstTimestamp: opt(Time),
    lastTimestamp: opt(Time),
    count: opt(int32("The number of times this event has occurred.")),
    type: opt(str("Type of this event (Normal, Warning), new types could be added in the future")),
    eventTime: opt(MicroTime),
    series: opt(EventSeries),
    action: opt(str("What action was taken/failed regarding to the Regarding object.")),
    related: opt(ObjectReference),
    reportingComponent: opt(str("Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.")),
    reportingInstance: opt(str("ID of the controller instance, e.g. `kubelet-xyzf`.")),
  },
);
export type Event = Static<typeof Event>;
