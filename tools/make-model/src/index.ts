export { BlockPool, POOL_VALUES } from './block-pool.js';
export { type CliIo, runCli, USAGE, UsageError } from './cli.js';
export { llamaMetadata, llamaTensors, type TensorPlan } from './llama-layout.js';
export { defaultModelsDir, type MadeModel, type MakeModelOptions, makeModel, modelFileName } from './make-model.js';
export { hashString, Rng } from './random.js';
export { checkShape, customShape, headDim, type LlamaShape, namedShape, namedShapes, ShapeError } from './shapes.js';
export { defaultVocabularyPath, findRepoRoot, readVocabulary, type Vocabulary, VocabularyError } from './vocab.js';
