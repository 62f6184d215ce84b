// The subset of TensorFlow's event.proto / summary.proto / tensor.proto that the SummaryWriter
// emits. Field numbers follow tensorboard/compat/proto; the oneofs matter because protobufjs
// (like protoc) only serialises a default value such as simple_value = 0 when it is a oneof member.
// Enum fields (dtype, data_class) are declared as int32: same wire encoding, no enum tables needed.
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6;
  repeated double bucket = 7;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated bytes string_val = 8;
}
`;

/** tensorflow.DataType.DT_STRING */
export const DT_STRING = 7;
/** tensorboard.DataClass.DATA_CLASS_TENSOR */
export const DATA_CLASS_TENSOR = 2;

export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

export interface SummaryValue {
  tag: string;
  metadata?: {
    plugin_data?: { plugin_name: string; content?: Uint8Array };
    display_name?: string;
    summary_description?: string;
    data_class?: number;
  };
  simple_value?: number;
  image?: { height: number; width: number; colorspace: number; encoded_image_string: Uint8Array };
  histo?: HistogramProto;
  tensor?: { dtype: number; tensor_shape: { dim: { size: number }[] }; string_val: Uint8Array[] };
}

export interface EventMessage {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: SummaryValue[] };
}

const EventType = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('tensorboard.Event');

export function encodeEvent(event: EventMessage): Uint8Array {
  return EventType.encode(event).finish();
}
