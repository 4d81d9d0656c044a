export {
  BUILTIN_TEMPLATES,
  type BuiltinTemplate,
  type BuiltinTemplateName,
  builtinTemplateNames,
  findBuiltinTemplate,
} from './builtins.js';
export {
  ChatTemplate,
  type ChatTemplateInit,
  type FromGgufOptions,
  type GgufMetadataSource,
  type TemplateOrigin,
} from './chat-template.js';
export { detectTemplateName } from './detect.js';
export {
  ChatTemplateError,
  TemplateError,
  TemplateRenderError,
  TemplateSyntaxError,
  UnknownTemplateError,
} from './errors.js';
export {
  type ChatMessage,
  type ContentPart,
  type RenderedPrompt,
  type RenderOptions,
  renderChatTemplate,
} from './render.js';
export { strftime } from './strftime.js';
