import { ModelError } from '../errors.js';

/** A model cannot be quantized as asked (unknown type, unsupported source tensor type, no quantizer...). */
export class QuantizeError extends ModelError {
  constructor(
    message: string,
    /** The tensor being converted, when one is to blame. */
    readonly tensor?: string,
  ) {
    super(message);
  }
}
