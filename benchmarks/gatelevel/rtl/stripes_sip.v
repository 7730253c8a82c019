// Stripes serial inner-product unit: 16 lanes; each ANDs one activation bit with a
// held 16-bit signed weight. A 16-input adder tree (20-bit result) feeds a
// shift-and-accumulate 32-bit register. Activations are two's complement, sent
// MSB first over 16 cycles: on the first cycle (cnt == 0, the sign bit, weight -2^15)
// the tree sum is negated and the accumulator restarts; on the other 15 cycles
// acc <= 2*acc + sum. After cycle 15 acc holds sum_i a_i*w_i.
module stripes_sip(input clk, input wload, input [255:0] wgt, input [15:0] abit, output [31:0] out);
  reg [255:0] w_r;      // weights: loaded rarely (wload)
  reg [15:0] ab_r;      // this cycle's activation bit per lane
  reg [3:0] cnt;        // bit position counter (0 = sign bit)
  reg [31:0] acc;
  wire [19:0] t [0:15];
  genvar i;
  generate for (i = 0; i < 16; i = i + 1) begin : lane
    assign t[i] = ab_r[i] ? {{4{w_r[16*i+15]}}, w_r[16*i +: 16]} : 20'd0;
  end endgenerate
  wire [19:0] s1 [0:7]; wire [19:0] s2 [0:3]; wire [19:0] s3 [0:1]; wire [19:0] s4;
  generate
    for (i = 0; i < 8; i = i + 1) begin : l1 assign s1[i] = t[2*i] + t[2*i+1]; end
    for (i = 0; i < 4; i = i + 1) begin : l2 assign s2[i] = s1[2*i] + s1[2*i+1]; end
    for (i = 0; i < 2; i = i + 1) begin : l3 assign s3[i] = s2[2*i] + s2[2*i+1]; end
  endgenerate
  assign s4 = s3[0] + s3[1];
  wire sign_cycle = (cnt == 4'd0);
  wire [31:0] term = sign_cycle ? -{{12{s4[19]}}, s4} : {{12{s4[19]}}, s4};
  wire [31:0] base = sign_cycle ? 32'd0 : {acc[30:0], 1'b0};
  always @(posedge clk) begin
    if (wload) w_r <= wgt;
    ab_r <= abit;
    cnt <= cnt + 4'd1;
    acc <= base + term;
  end
  assign out = acc;
endmodule
