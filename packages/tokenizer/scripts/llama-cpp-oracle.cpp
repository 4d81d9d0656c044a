// Differential-test oracle: llama.cpp's own tokenizer through its C API (a dev tool, not part of the package).
// Build against a libllama and its headers, e.g. node-llama-cpp's prebuilt CPU binaries and the llama.cpp
// source bundled with it (node-llama-cpp/llama/gitRelease.bundle: `git clone` it to $SRC):
//   g++ -O1 -std=c++17 llama-cpp-oracle.cpp -I$SRC/include -I$SRC/ggml/include -L$BINS -l:libllama.v0.5.0.so \
//     -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,$BINS -o oracle
// usage: oracle VOCAB.gguf tok ADD_SPECIAL PARSE_SPECIAL     < texts, each followed by \x01; prints ids, a line each
//        oracle VOCAB.gguf detok REMOVE_SPECIAL UNPARSE_SPECIAL < lines of ids; prints the bytes in hex, a line each
//        oracle VOCAB.gguf info                               special ids, end-of-generation ids, token attributes
#include "llama.h"
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
static void quiet(enum ggml_log_level, const char *, void *) {}
int main(int argc, char ** argv) {
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    auto mp = llama_model_default_params();
    mp.vocab_only = true;
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    std::string mode = argv[2];
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (mode == "tok") {
        bool add = atoi(argv[3]), parse = atoi(argv[4]);
        size_t start = 0;
        while (start <= all.size()) {
            size_t end = all.find('\x01', start);
            if (end == std::string::npos) break;
            std::string text = all.substr(start, end - start);
            std::vector<llama_token> toks(text.size() * 2 + 16);
            int n = llama_tokenize(vocab, text.data(), text.size(), toks.data(), toks.size(), add, parse);
            if (n < 0) { toks.resize(-n); n = llama_tokenize(vocab, text.data(), text.size(), toks.data(), toks.size(), add, parse); }
            for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", toks[i]);
            printf("\n");
            start = end + 1;
        }
    } else if (mode == "detok") {
        bool rm = atoi(argv[3]), unparse = atoi(argv[4]);
        std::istringstream in(all);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::vector<llama_token> toks; int t;
            while (ls >> t) toks.push_back(t);
            std::vector<char> buf(toks.size() * 64 + 64);
            int n = llama_detokenize(vocab, toks.data(), toks.size(), buf.data(), buf.size(), rm, unparse);
            if (n < 0) { buf.resize(-n); n = llama_detokenize(vocab, toks.data(), toks.size(), buf.data(), buf.size(), rm, unparse); }
            for (int i = 0; i < n; i++) printf("%02x", (unsigned char) buf[i]);
            printf("\n");
        }
    } else if (mode == "info") {
        printf("n_tokens %d bos %d eos %d eot %d add_bos %d add_eos %d\n", llama_vocab_n_tokens(vocab), llama_vocab_bos(vocab), llama_vocab_eos(vocab), llama_vocab_eot(vocab), llama_vocab_get_add_bos(vocab), llama_vocab_get_add_eos(vocab));
        printf("eog:");
        for (int i = 0; i < llama_vocab_n_tokens(vocab); i++) if (llama_vocab_is_eog(vocab, i)) printf(" %d", i);
        printf("\nattrs:");
        for (int i = 0; i < llama_vocab_n_tokens(vocab); i++) { int a = llama_vocab_get_attr(vocab, i); if (a != 2) printf(" %d:%d", i, a); }
        printf("\n");
    }
    return 0;
}
