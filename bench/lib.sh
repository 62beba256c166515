# Shared by the injection benchmarks: sourced, not run.

# free_port: a free 127.0.0.1 port
free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'
}

# bench_page FILE: ~30 KB of ordinary markup, many tags, </body> at the end
bench_page() {
    {
        echo '<!DOCTYPE html><html><head><title>Bench</title></head><body>'
        for i in $(seq 1 400); do
            echo "<div class=\"item\"><a href=\"/p/$i\">Product $i</a> <span>\$$i.99</span></div>"
        done
        echo '</body></html>'
    } > "$1"
}

# the sub_filter line both benchmarks compare against
SUB_FILTER="sub_filter '</body>' '<script src=\"/live-help/widget/loader.js?v=0\" data-live-help-title=\"Live Help\" async></script></body>';"
