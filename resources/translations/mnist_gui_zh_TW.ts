<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About mnist-gui</source>
        <translation>關於 mnist-gui</translation>
    </message>
    <message>
        <source>not evaluated</source>
        <translation>尚未評估</translation>
    </message>
    <message>
        <source>still loading</source>
        <translation>仍在載入</translation>
    </message>
    <message>
        <source>{0} ({1}), test accuracy {2}</source>
        <translation>{0}（{1}），測試準確率 {2}</translation>
    </message>
    <message>
        <source>Draw a digit and watch a convolutional network read it live; retrain it, look inside it, teach it your handwriting.</source>
        <translation>寫下一個數字，即時看卷積神經網路辨識它；重新訓練它、查看它的內部，並教它認識你的筆跡。</translation>
    </message>
    <message>
        <source>The network is the one of TensorFlow&apos;s tutorial &lt;a href=&quot;{0}&quot;&gt;A Guide to TF Layers: Building a Convolutional Neural Network&lt;/a&gt;: convolution 5×5/32, max pooling 2×2, convolution 5×5/64, max pooling 2×2, dense 1024, dropout 0.4, dense 10.</source>
        <translation>網路即 TensorFlow 教學&lt;a href=&quot;{0}&quot;&gt;〈A Guide to TF Layers: Building a Convolutional Neural Network〉&lt;/a&gt;中的網路：卷積層 5×5/32、最大池化層 2×2、卷積層 5×5/64、最大池化層 2×2、全連接層 1024、丟棄率 0.4、全連接層 10。</translation>
    </message>
    <message>
        <source>&lt;a href=&quot;{0}&quot;&gt;Archived copy&lt;/a&gt;.</source>
        <translation>&lt;a href=&quot;{0}&quot;&gt;封存副本&lt;/a&gt;。</translation>
    </message>
    <message>
        <source>Shipped model: test accuracy {0} on the 10,000 MNIST test images.</source>
        <translation>內建模型：在 10,000 張 MNIST 測試影像上的測試準確率為 {0}。</translation>
    </message>
    <message>
        <source>Live model: {0}</source>
        <translation>使用中的模型：{0}</translation>
    </message>
    <message>
        <source>Versions: {0}</source>
        <translation>版本：{0}</translation>
    </message>
</context>
<context>
    <name>DataFolderDialog</name>
    <message>
        <source>MNIST data</source>
        <translation>MNIST 資料</translation>
    </message>
</context>
<context>
    <name>DataFolderPanel</name>
    <message>
        <source>Folder holding the four MNIST IDX files</source>
        <translation>存放四個 MNIST IDX 檔案的資料夾</translation>
    </message>
    <message>
        <source>{0} lacks {1}. Choose the folder that holds the four MNIST IDX files (raw or .gz).</source>
        <translation>{0} 缺少 {1}。請選擇存放四個 MNIST IDX 檔案（原始檔或 .gz）的資料夾。</translation>
    </message>
    <message>
        <source>&amp;Browse for the folder with the MNIST files…</source>
        <translation>瀏覽存放 MNIST 檔案的資料夾(&amp;B)…</translation>
    </message>
    <message>
        <source>Do&amp;wnload MNIST (about 11 MB)</source>
        <translation>下載 MNIST（約 11 MB）(&amp;W)</translation>
    </message>
    <message>
        <source>Into {0}</source>
        <translation>下載到 {0}</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下載</translation>
    </message>
    <message>
        <source>MNIST is read from {0}.</source>
        <translation>MNIST 從 {0} 讀取。</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>連線中…</translation>
    </message>
    <message>
        <source>{0} ({1} of {2}): {3} of {4} MB</source>
        <translation>{0}（第 {1} 個，共 {2} 個）：{3} / {4} MB</translation>
    </message>
    <message>
        <source>Download cancelled. The files downloaded whole are kept; Download goes on from there.</source>
        <translation>已取消下載。已完整下載的檔案會保留；再按「下載」會從那裡接續。</translation>
    </message>
</context>
<context>
    <name>DataTab</name>
    <message>
        <source>training set</source>
        <translation>訓練集</translation>
    </message>
    <message>
        <source>test set</source>
        <translation>測試集</translation>
    </message>
    <message>
        <source>&amp;Set</source>
        <translation>資料集(&amp;S)</translation>
    </message>
    <message>
        <source>Di&amp;git</source>
        <translation>數字(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Page</source>
        <translation>頁(&amp;P)</translation>
    </message>
    <message>
        <source>Load MN&amp;IST</source>
        <translation>載入 MNIST(&amp;I)</translation>
    </message>
    <message>
        <source>Ca&amp;ncel</source>
        <translation>取消(&amp;N)</translation>
    </message>
    <message>
        <source>Mean image of each digit</source>
        <translation>每個數字的平均影像</translation>
    </message>
    <message>
        <source>Samples of the digit</source>
        <translation>這個數字的樣本</translation>
    </message>
    <message>
        <source>MNIST from {0}</source>
        <translation>MNIST 來自 {0}</translation>
    </message>
    <message>
        <source>MNIST is loaded when you click Load MNIST (a few seconds, in the background).</source>
        <translation>按下「載入 MNIST」時才會載入 MNIST（在背景進行，約需幾秒）。</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>已取消載入。</translation>
    </message>
    <message>
        <source>Loading MNIST…</source>
        <translation>正在載入 MNIST…</translation>
    </message>
    <message>
        <source>Images per digit: {0}</source>
        <translation>每個數字的影像數：{0}</translation>
    </message>
    <message>
        <source>page {0} of {1} for digit {2} ({3} images)</source>
        <translation>數字 {2} 的第 {0} 頁，共 {1} 頁（{3} 張影像）</translation>
    </message>
</context>
<context>
    <name>DeviceChooser</name>
    <message>
        <source>Dev&amp;ice</source>
        <translation>裝置(&amp;I)</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>裝置</translation>
    </message>
    <message>
        <source>Where training and evaluation run; live prediction stays on the CPU</source>
        <translation>訓練與評估在哪裡執行；即時辨識一律在 CPU 上</translation>
    </message>
    <message>
        <source>Automatic (CUDA, then Apple MPS, then the CPU)</source>
        <translation>自動（CUDA，其次 Apple MPS，最後 CPU）</translation>
    </message>
    <message>
        <source>loading PyTorch…</source>
        <translation>正在載入 PyTorch…</translation>
    </message>
    <message>
        <source>PyTorch could not load: {0}</source>
        <translation>無法載入 PyTorch：{0}</translation>
    </message>
    <message>
        <source>PyTorch loaded; devices: {0}</source>
        <translation>PyTorch 已載入；裝置：{0}</translation>
    </message>
    <message>
        <source>the device {0} is not here; using automatic</source>
        <translation>找不到裝置 {0}；改用自動選擇</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>Delete?</source>
        <translation>要刪除嗎？</translation>
    </message>
    <message>
        <source>This cannot be undone.</source>
        <translation>此動作無法復原。</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>刪除(&amp;D)</translation>
    </message>
</context>
<context>
    <name>DrawTab</name>
    <message>
        <source>The 28×28 image the network sees</source>
        <translation>網路看到的 28×28 影像</translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation>清除(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Pen</source>
        <translation>筆(&amp;P)</translation>
    </message>
    <message>
        <source>Pen width</source>
        <translation>筆寬</translation>
    </message>
    <message>
        <source>What the network sees</source>
        <translation>網路看到的內容</translation>
    </message>
    <message>
        <source>28×28, centred by centre of mass</source>
        <translation>28×28，以質心置中</translation>
    </message>
    <message>
        <source>Read a &amp;whole number (several digits, left to right)</source>
        <translation>辨識整個數(&amp;W)（多個數字，由左到右）</translation>
    </message>
    <message>
        <source>Sh&amp;ow why this digit</source>
        <translation>顯示為何是這個數字(&amp;O)</translation>
    </message>
    <message>
        <source>Which parts of the ink made the network read this digit, and which spoke against it (shown when the pen is lifted)</source>
        <translation>哪些筆跡讓網路讀成這個數字、哪些筆跡與它相反（提筆後顯示）</translation>
    </message>
    <message>
        <source>Number read</source>
        <translation>辨識出的數</translation>
    </message>
    <message>
        <source>Teach it your handwriting</source>
        <translation>教它認識你的筆跡</translation>
    </message>
    <message>
        <source>Th&amp;is is a</source>
        <translation>這是(&amp;I)</translation>
    </message>
    <message>
        <source>The digit you drew (follows the prediction until you change it)</source>
        <translation>你寫的數字（在你更改之前會跟隨預測）</translation>
    </message>
    <message>
        <source>The digit you drew</source>
        <translation>你寫的數字</translation>
    </message>
    <message>
        <source>&amp;Remember</source>
        <translation>記住(&amp;R)</translation>
    </message>
    <message>
        <source>Teaching takes one digit: turn off “Read a whole number” to teach one</source>
        <translation>教學一次一個數字：關閉「辨識整個數」後再教</translation>
    </message>
    <message>
        <source>Store this drawing with its digit in My digits</source>
        <translation>把這個手寫數字與它的標籤存入「我的數字」</translation>
    </message>
    <message>
        <source>Fine-tune on my di&amp;gits</source>
        <translation>用我的數字微調(&amp;G)</translation>
    </message>
    <message>
        <source>Why this digit explains one digit: turn off “Read a whole number” to see it</source>
        <translation>「為何是這個數字」一次說明一個數字：關閉「辨識整個數」後再看</translation>
    </message>
    <message>
        <source>fine-tuned on them; the previous model stays live</source>
        <translation>已用它們微調；原先的模型仍為使用中</translation>
    </message>
    <message>
        <source>fine-tuned on them: the new model is live (test accuracy {0})</source>
        <translation>已用它們微調：新模型已啟用（測試準確率 {0}）</translation>
    </message>
    <message>
        <source>fine-tuned on them: the new model is live</source>
        <translation>已用它們微調：新模型已啟用</translation>
    </message>
    <message>
        <source>{0} in My digits: fine-tuning on them now (progress on the Train tab)…</source>
        <translation>我的數字共 {0} 個：正在用它們微調（進度見「訓練」分頁）…</translation>
    </message>
    <message>
        <source>{0} in My digits: getting the fine-tuning ready (loading PyTorch)…</source>
        <translation>「我的數字」中有 {0} 個：正在準備微調（載入 PyTorch）…</translation>
    </message>
    <message>
        <source>{0} in My digits; {1}</source>
        <translation>「我的數字」中有 {0} 個；{1}</translation>
    </message>
    <message>
        <source>Teach some digits first: draw one, pick what it is, press Remember</source>
        <translation>請先教它一些數字：畫一個、選出它是哪個數字，再按「記住」</translation>
    </message>
    <message>
        <source>The model is still loading</source>
        <translation>模型仍在載入</translation>
    </message>
    <message>
        <source>Training or a study is running; fine-tune when it has ended</source>
        <translation>正在訓練或進行參數研究；結束後再微調</translation>
    </message>
    <message>
        <source>Train the live model briefly on My digits mixed with MNIST</source>
        <translation>以「我的數字」混合 MNIST，短暫訓練使用中的模型</translation>
    </message>
    <message>
        <source>{0} px</source>
        <translation>{0} 像素</translation>
    </message>
    <message>
        <source>U&amp;ndo stroke</source>
        <translation>復原筆畫(&amp;N)</translation>
    </message>
    <message>
        <source>not a digit (closest: {0})</source>
        <translation>不是數字（最接近：{0}）</translation>
    </message>
    <message>
        <source>{0} ({1}, not sure)</source>
        <translation>{0}（{1}，不確定）</translation>
    </message>
    <message>
        <source>(or {0}?)</source>
        <translation>（或是 {0}？）</translation>
    </message>
    <message>
        <source>{0} in My digits</source>
        <translation>「我的數字」中有 {0} 個</translation>
    </message>
</context>
<context>
    <name>DrawingCanvas</name>
    <message>
        <source>Drawing canvas</source>
        <translation>繪圖畫布</translation>
    </message>
    <message>
        <source>Draw a digit with the mouse or a pen; the prediction follows.</source>
        <translation>用滑鼠或觸控筆寫一個數字，預測會即時更新。</translation>
    </message>
    <message>
        <source>Write a number here, digit by digit, left to right</source>
        <translation>在這裡由左至右逐位寫下一個數字</translation>
    </message>
    <message>
        <source>Draw a digit here
(or drop an image)</source>
        <translation>在這裡寫一個數字
（或拖放一張影像）</translation>
    </message>
</context>
<context>
    <name>EvaluateTab</name>
    <message>
        <source>MNIST test</source>
        <translation>MNIST 測試集</translation>
    </message>
    <message>
        <source>pen-drawn digits of writers the model has not seen</source>
        <translation>模型未見過的書寫者的手寫筆跡數字</translation>
    </message>
    <message>
        <source>Reliability</source>
        <translation>可靠度</translation>
    </message>
    <message>
        <source>Evaluate the live model on the 10,000 test &amp;images</source>
        <translation>以 10,000 張測試影像評估使用中的模型(&amp;I)</translation>
    </message>
    <message>
        <source>St&amp;op</source>
        <translation>停止(&amp;O)</translation>
    </message>
    <message>
        <source>Evaluation progress</source>
        <translation>評估進度</translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation>測試準確率</translation>
    </message>
    <message>
        <source>Accuracy per digit</source>
        <translation>各數字的準確率</translation>
    </message>
    <message>
        <source>digit</source>
        <translation>數字</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>準確率 (%)</translation>
    </message>
    <message>
        <source>Confusion matrix (click a cell)</source>
        <translation>混淆矩陣（點選格子）</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩陣</translation>
    </message>
    <message>
        <source>Rows are the true digits, columns the predicted ones; click a cell to see its images.</source>
        <translation>列為真實數字，欄為預測數字；點選格子可查看其中的影像。</translation>
    </message>
    <message>
        <source>predicted</source>
        <translation>預測</translation>
    </message>
    <message>
        <source>true</source>
        <translation>真實</translation>
    </message>
    <message>
        <source>Test images</source>
        <translation>測試影像</translation>
    </message>
    <message>
        <source>Most confident mista&amp;kes</source>
        <translation>最有把握的錯誤(&amp;K)</translation>
    </message>
    <message>
        <source>Open in &amp;canvas</source>
        <translation>在畫布中開啟(&amp;C)</translation>
    </message>
    <message>
        <source>Reliability of</source>
        <translation>可靠度資料來源</translation>
    </message>
    <message>
        <source>confidence (%)</source>
        <translation>信心 (%)</translation>
    </message>
    <message>
        <source>not evaluated yet: press Evaluate</source>
        <translation>尚未評估：請按「評估」</translation>
    </message>
    <message>
        <source>MNIST test, an earlier model</source>
        <translation>MNIST 測試集（先前的模型）</translation>
    </message>
    <message>
        <source>test accuracy {0}</source>
        <translation>測試準確率 {0}</translation>
    </message>
    <message>
        <source>evaluation stopped</source>
        <translation>評估已停止</translation>
    </message>
    <message>
        <source>pen digits of writers {0}</source>
        <translation>書寫者 {0} 的手寫筆跡數字</translation>
    </message>
    <message>
        <source>reading pen-drawn digits…</source>
        <translation>讀取手寫筆跡數字中…</translation>
    </message>
    <message>
        <source>the model trained on every pen writer&apos;s digits ({0}): none are left unseen</source>
        <translation>此模型已用所有書寫者（{0}）的手寫筆跡數字訓練過：沒有未見過的書寫者可供評估</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>test accuracy {0} of an earlier model: evaluate again for the live model</source>
        <translation>先前模型的測試準確率 {0}：請再評估一次使用中的模型</translation>
    </message>
    <message>
        <source>Reliability, {0}: ECE {1}</source>
        <translation>可靠度，{0}：ECE {1}</translation>
    </message>
    <message>
        <source>true {0}, read as {1}: {2} images</source>
        <translation>真實為 {0}、辨識為 {1}：{2} 張影像</translation>
    </message>
    <message>
        <source>(first {0})</source>
        <translation>（前 {0} 張）</translation>
    </message>
    <message>
        <source>most confident mistakes: {0} in all</source>
        <translation>最有把握的錯誤：共 {0} 個</translation>
    </message>
    <message>
        <source>read {0} {1}
true {2}</source>
        <translation>判讀 {0} {1}
實為 {2}</translation>
    </message>
    <message>
        <source>test image #{0}, label {1}; {2}</source>
        <translation>測試影像 #{0}，標籤 {1}；{2}</translation>
    </message>
</context>
<context>
    <name>FeatureMapsView</name>
    <message>
        <source>Draw a digit on the Draw tab to see what every layer makes of it.</source>
        <translation>在「繪圖」分頁寫一個數字，看看每一層如何處理它。</translation>
    </message>
    <message>
        <source>Enlarged map</source>
        <translation>放大的特徵圖</translation>
    </message>
    <message>
        <source>Hover over or click a map to enlarge it</source>
        <translation>將滑鼠移到特徵圖上或點選以放大</translation>
    </message>
    <message>
        <source>{0}: {1} maps</source>
        <translation>{0}：{1} 張特徵圖</translation>
    </message>
    <message>
        <source>{0} units as a {1}×{1} square, {2} active</source>
        <translation>{0} 個單元排成 {1}×{1} 方格，{2} 個啟動</translation>
    </message>
    <message>
        <source>softmax</source>
        <translation>softmax</translation>
    </message>
    <message>
        <source>{0}, map {1} of {2} ({3}×{4}), values {5} … {6}</source>
        <translation>{0}，第 {1} 張特徵圖，共 {2} 張（{3}×{4}），數值 {5} … {6}</translation>
    </message>
</context>
<context>
    <name>GoLiveQuestions</name>
    <message>
        <source>not evaluated</source>
        <translation>尚未評估</translation>
    </message>
    <message>
        <source>Training diverged</source>
        <translation>訓練發散</translation>
    </message>
    <message>
        <source>The previous model stays live.</source>
        <translation>原本的模型仍在使用中。</translation>
    </message>
    <message>
        <source>The finished run reads {0} of the test images; the live model reads {1}.
Make the new, less accurate model live?</source>
        <translation>完成的訓練在測試影像上的準確率為 {0}；使用中的模型為 {1}。
要改用這個準確率較低的新模型嗎？</translation>
    </message>
    <message>
        <source>test accuracy {0}</source>
        <translation>測試準確率 {0}</translation>
    </message>
    <message>
        <source>The run was stopped; its test accuracy is being measured: {0} of {1} test images so far. The live model reads {2}.
Make this partly trained model the live model?</source>
        <translation>訓練已停止；正在測量其測試準確率：已測量 {1} 張測試圖片中的 {0} 張。使用中的模型為 {2}。
要將這個部分訓練的模型設為使用中嗎？</translation>
    </message>
    <message>
        <source>The finished run: {0}; the live model: {1}. Without both accuracies there is nothing to compare.
Make the new model live?</source>
        <translation>完成的訓練：{0}；使用中的模型：{1}。少了其中一個準確率便無從比較。
要改用新模型嗎？</translation>
    </message>
    <message>
        <source>The run was stopped at step {0} of {1} ({2}); the live model reads {3}.
Make this partly trained model the live model?</source>
        <translation>訓練於第 {0} 步（共 {1} 步）停止（{2}）；使用中的模型為 {3}。
要將這個部分訓練的模型設為使用中嗎？</translation>
    </message>
    <message>
        <source>The run was stopped ({0}); the live model reads {1}.
Make this partly trained model the live model?</source>
        <translation>訓練已停止（{0}）；使用中的模型為 {1}。
要將這個部分訓練的模型設為使用中嗎？</translation>
    </message>
    <message>
        <source>Could not save the trained model</source>
        <translation>無法儲存訓練好的模型</translation>
    </message>
    <message>
        <source>{0}

The trained model is kept in memory: free some space and try again, or save it elsewhere.</source>
        <translation>{0}

訓練好的模型仍保留在記憶體中：請釋出一些空間後再試一次，或存到別處。</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存為…</translation>
    </message>
    <message>
        <source>saving the trained model again…</source>
        <translation>再次儲存訓練好的模型…</translation>
    </message>
    <message>
        <source>the trained model was discarded; the live model stays</source>
        <translation>已捨棄訓練好的模型；目前使用的模型不變</translation>
    </message>
    <message>
        <source>Save model as</source>
        <translation>另存模型</translation>
    </message>
    <message>
        <source>mnist-gui models (*.pt);;All files (*)</source>
        <translation>mnist-gui 模型 (*.pt);;所有檔案 (*)</translation>
    </message>
    <message>
        <source>saved the model to {0}</source>
        <translation>已將模型存到 {0}</translation>
    </message>
    <message>
        <source>Make the new model live?</source>
        <translation>改用新模型？</translation>
    </message>
    <message>
        <source>&amp;Make it live</source>
        <translation>設為使用中(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Discard it</source>
        <translation>捨棄(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Keep it in the Runs list</source>
        <translation>保留在訓練紀錄清單中(&amp;K)</translation>
    </message>
    <message>
        <source>Discarding deletes this model; the run&apos;s curves stay in the Runs list.</source>
        <translation>捨棄會刪除這個模型；這次訓練的曲線仍保留在訓練紀錄清單中。</translation>
    </message>
    <message>
        <source>Kept, it can be made live later from the Runs list; the live model stays as it is.</source>
        <translation>保留後，日後可在訓練紀錄清單中將它設為使用中；目前使用中的模型維持不變。</translation>
    </message>
    <message>
        <source>answered; it applies when the stopped model has been measured</source>
        <translation>已回答；將在已停止的模型測量完成後套用</translation>
    </message>
    <message>
        <source>discarded the stopped run&apos;s model; its record stays in the Runs list</source>
        <translation>已捨棄停止的訓練所產生的模型；其紀錄仍保留在訓練紀錄清單中</translation>
    </message>
    <message>
        <source>the live model stays; the new one is kept in the Runs list</source>
        <translation>繼續使用原本的模型；新模型保留在訓練紀錄清單中</translation>
    </message>
    <message>
        <source>the new model is live; saved to {0}</source>
        <translation>新模型已啟用；儲存於 {0}</translation>
    </message>
    <message>
        <source>The fine-tuned model is live: test accuracy {0}</source>
        <translation>微調後的模型已啟用：測試準確率 {0}</translation>
    </message>
    <message>
        <source>The fine-tuned model is live</source>
        <translation>微調後的模型已啟用</translation>
    </message>
    <message>
        <source>The new model is live: test accuracy {0}</source>
        <translation>新模型已啟用：測試準確率 {0}</translation>
    </message>
    <message>
        <source>The new model is live</source>
        <translation>新模型已啟用</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Stored a {0} in My digits ({1} in all)</source>
        <translation>已將 {0} 存入「我的數字」（共 {1} 個）</translation>
    </message>
    <message>
        <source>Could not store the digit</source>
        <translation>無法儲存這個數字</translation>
    </message>
    <message>
        <source>The drawing stays on the canvas.</source>
        <translation>畫布上的內容會保留。</translation>
    </message>
    <message>
        <source>Some settings were ignored</source>
        <translation>部分設定已被忽略</translation>
    </message>
    <message>
        <source>The file as it was is kept as {0}.</source>
        <translation>原本的檔案已保留為 {0}。</translation>
    </message>
    <message>
        <source>Could not load a model</source>
        <translation>無法載入模型</translation>
    </message>
    <message>
        <source>Could not open the last model</source>
        <translation>無法開啟上次的模型</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在載入模型…</translation>
    </message>
    <message>
        <source>test accuracy {0}</source>
        <translation>測試準確率 {0}</translation>
    </message>
    <message>
        <source>not evaluated</source>
        <translation>尚未評估</translation>
    </message>
    <message>
        <source>Model: {0} ({1}), {2}</source>
        <translation>模型：{0}（{1}），{2}</translation>
    </message>
    <message>
        <source>Open model</source>
        <translation>開啟模型</translation>
    </message>
    <message>
        <source>mnist-gui models (*.pt);;All files (*)</source>
        <translation>mnist-gui 模型 (*.pt);;所有檔案 (*)</translation>
    </message>
    <message>
        <source>Could not open model</source>
        <translation>無法開啟模型</translation>
    </message>
    <message>
        <source>The current model stays loaded.</source>
        <translation>目前的模型仍保持載入。</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>已開啟 {0}</translation>
    </message>
    <message>
        <source>Save model as</source>
        <translation>另存模型</translation>
    </message>
    <message>
        <source>Saving {0}…</source>
        <translation>正在儲存 {0}…</translation>
    </message>
    <message>
        <source>Saved model to {0}</source>
        <translation>已將模型儲存至 {0}</translation>
    </message>
    <message>
        <source>Saved model to {0} and its ONNX network beside it ({1})</source>
        <translation>已將模型儲存至 {0}，並在旁邊存了它的 ONNX 網路（{1}）</translation>
    </message>
    <message>
        <source>Could not save model</source>
        <translation>無法儲存模型</translation>
    </message>
    <message>
        <source>Export model as ONNX</source>
        <translation>將模型匯出為 ONNX</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有檔案 (*)</translation>
    </message>
    <message>
        <source>Exported the model to {0}</source>
        <translation>已將模型匯出至 {0}</translation>
    </message>
    <message>
        <source>Not an MNIST folder</source>
        <translation>不是 MNIST 資料夾</translation>
    </message>
    <message>
        <source>MNIST folder: {0}</source>
        <translation>MNIST 資料夾：{0}</translation>
    </message>
    <message>
        <source>The app folder cannot be used</source>
        <translation>無法使用應用程式資料夾</translation>
    </message>
    <message>
        <source>The app runs on its defaults; settings, runs, models and taught digits are not saved.</source>
        <translation>應用程式以預設值執行；設定、訓練紀錄、模型與教過的數字都不會儲存。</translation>
    </message>
    <message>
        <source>Fine-tuning on your digits needs MNIST too: the model learns your digits mixed with MNIST&apos;s, so that it keeps reading everyone else&apos;s. Once MNIST is here, the fine-tune starts.</source>
        <translation>用你的數字微調也需要 MNIST：模型會把你的數字混在 MNIST 的數字裡一起學，這樣它仍然認得其他人的筆跡。MNIST 一到位，微調就會開始。</translation>
    </message>
    <message>
        <source>Open image</source>
        <translation>開啟影像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</source>
        <translation>影像 (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>Opening {0}…</source>
        <translation>正在開啟 {0}…</translation>
    </message>
    <message>
        <source>Could not open image</source>
        <translation>無法開啟影像</translation>
    </message>
    <message>
        <source>{0}: no ink found</source>
        <translation>{0}：找不到筆跡</translation>
    </message>
    <message>
        <source>MNIST &amp;data…</source>
        <translation>MNIST 資料(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Draw</source>
        <translation>繪圖(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Train</source>
        <translation>訓練(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>Eva&amp;luate</source>
        <translation>評估(&amp;L)</translation>
    </message>
    <message>
        <source>D&amp;ata</source>
        <translation>資料(&amp;A)</translation>
    </message>
    <message>
        <source>M&amp;y digits</source>
        <translation>我的數字(&amp;Y)</translation>
    </message>
    <message>
        <source>St&amp;udies</source>
        <translation>參數研究(&amp;U)</translation>
    </message>
    <message>
        <source>Tabs</source>
        <translation>分頁</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open model…</source>
        <translation>開啟模型(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save model as…</source>
        <translation>另存模型(&amp;S)…</translation>
    </message>
    <message>
        <source>E&amp;xport model as ONNX…</source>
        <translation>將模型匯出為 ONNX(&amp;X)…</translation>
    </message>
    <message>
        <source>&amp;Reset to shipped model</source>
        <translation>還原為內建模型(&amp;R)</translation>
    </message>
    <message>
        <source>Open &amp;image…</source>
        <translation>開啟影像(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>結束(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>編輯(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo stroke</source>
        <translation>復原筆畫(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Clear canvas</source>
        <translation>清除畫布(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>檢視(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>語言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>跟隨系統(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Appearance</source>
        <translation>外觀(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>淺色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>說明(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>鍵盤快速鍵(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About mnist-gui</source>
        <translation>關於 mnist-gui(&amp;A)</translation>
    </message>
    <message>
        <source>the {0} tab</source>
        <translation>「{0}」分頁</translation>
    </message>
    <message>
        <source>next, previous tab</source>
        <translation>下一個、上一個分頁</translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation>Tab、Shift+Tab</translation>
    </message>
    <message>
        <source>next, previous control</source>
        <translation>下一個、上一個控制項</translation>
    </message>
    <message>
        <source>Alt + underlined letter</source>
        <translation>Alt + 底線字母</translation>
    </message>
    <message>
        <source>the button or field with that letter</source>
        <translation>帶有該字母的按鈕或欄位</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>空白鍵</translation>
    </message>
    <message>
        <source>press the focused button</source>
        <translation>按下目前焦點所在的按鈕</translation>
    </message>
    <message>
        <source>A study is running. Quit anyway?</source>
        <translation>研究正在進行中。仍要結束嗎？</translation>
    </message>
    <message>
        <source>The fine-tune is getting ready. Quit anyway?</source>
        <translation>微調正在準備中。仍要結束嗎？</translation>
    </message>
    <message>
        <source>If you quit, it does not go on; My digits are kept. Cancel lets it go on.</source>
        <translation>若結束，微調不會繼續；「我的數字」會保留。按「取消」則讓它繼續。</translation>
    </message>
    <message>
        <source>Quitting now stops nothing: what the work made is kept.</source>
        <translation>現在結束不會中止任何工作：已完成的成果都會保留。</translation>
    </message>
    <message>
        <source>Training is running. Quit anyway?</source>
        <translation>正在訓練中。仍要結束嗎？</translation>
    </message>
    <message>
        <source>If you quit, the study stops; its finished trials are kept. Cancel lets it go on.</source>
        <translation>若結束，研究會停止；已完成的試驗會保留。按「取消」則讓它繼續。</translation>
    </message>
    <message>
        <source>If you quit, the run stops and is recorded as stopped; its model so far is kept in the Runs list. Cancel lets it go on.</source>
        <translation>若結束，訓練會停止並記錄為已停止；目前為止的模型保留在訓練紀錄清單中。按「取消」則讓它繼續。</translation>
    </message>
    <message>
        <source>The trained model could not be saved. Quit anyway?</source>
        <translation>訓練好的模型無法儲存。仍要結束嗎？</translation>
    </message>
    <message>
        <source>If you quit, it is lost: it is only in memory. Cancel lets you try again or save it elsewhere.</source>
        <translation>若結束，它就會遺失：它只存在記憶體中。按「取消」可再試一次或另存到別處。</translation>
    </message>
    <message>
        <source>Quit mnist-gui?</source>
        <translation>結束 mnist-gui？</translation>
    </message>
    <message>
        <source>The work has ended. Quit now?</source>
        <translation>工作已結束。現在結束程式嗎？</translation>
    </message>
</context>
<context>
    <name>ModelTab</name>
    <message>
        <source>Layers and shapes (editable)</source>
        <translation>層與形狀（可編輯）</translation>
    </message>
    <message>
        <source>Feature maps (live)</source>
        <translation>特徵圖（即時）</translation>
    </message>
    <message>
        <source>Model views</source>
        <translation>模型檢視</translation>
    </message>
    <message>
        <source>Live model: &lt;b&gt;{0}&lt;/b&gt; ({1})</source>
        <translation>目前模型：&lt;b&gt;{0}&lt;/b&gt;（{1}）</translation>
    </message>
</context>
<context>
    <name>MyDigitsTab</name>
    <message>
        <source>Sho&amp;w</source>
        <translation>顯示(&amp;W)</translation>
    </message>
    <message>
        <source>All digits</source>
        <translation>所有數字</translation>
    </message>
    <message>
        <source>Digit {0}</source>
        <translation>數字 {0}</translation>
    </message>
    <message>
        <source>Show digits</source>
        <translation>顯示的數字</translation>
    </message>
    <message>
        <source>My digits</source>
        <translation>我的數字</translation>
    </message>
    <message>
        <source>Delete &amp;selected</source>
        <translation>刪除選取項目(&amp;S)</translation>
    </message>
    <message>
        <source>{0}, taught {1}</source>
        <translation>{0}，教於 {1}</translation>
    </message>
    <message numerus="yes">
        <source>%n digit(s) taught: {0}</source>
        <translation>
            <numerusform>已教 %n 個數字：{0}</numerusform>
        </translation>
    </message>
    <message>
        <source>Teach more on the Draw tab: draw a digit, set “This is a” to it and press Remember.</source>
        <translation>在「繪圖」分頁教更多：寫一個數字，把「這是」設為該數字，再按「記住」。</translation>
    </message>
    <message numerus="yes">
        <source>(%n damaged record(s) skipped)</source>
        <translation>
            <numerusform>（略過 %n 筆損壞的紀錄）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete %n taught digit(s) from My digits?</source>
        <translation>
            <numerusform>要從「我的數字」刪除 %n 個教過的數字嗎？</numerusform>
        </translation>
    </message>
    <message>
        <source>No digits taught yet. On the Draw tab, draw a digit, set “This is a” to it and press Remember; then “Fine-tune on my digits” teaches the model your handwriting.</source>
        <translation>還沒有教過任何數字。在「繪圖」分頁寫一個數字，把「這是」設為該數字，再按「記住」；之後「用我的數字微調」會讓模型學會你的筆跡。</translation>
    </message>
    <message>
        <source>Could not delete: {0}</source>
        <translation>無法刪除：{0}</translation>
    </message>
</context>
<context>
    <name>NetworkEditor</name>
    <message>
        <source>Start from</source>
        <translation>起點</translation>
    </message>
    <message>
        <source>the live model</source>
        <translation>目前使用的模型</translation>
    </message>
    <message>
        <source>Start from &amp;it</source>
        <translation>從此開始(&amp;I)</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>層</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>輸入</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>輸出</translation>
    </message>
    <message>
        <source>Output size (W − F + 2P) / S + 1</source>
        <translation>輸出大小 (W − F + 2P) / S + 1</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>參數</translation>
    </message>
    <message>
        <source>Multiply-adds</source>
        <translation>乘加運算</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>網路層</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>欄</translation>
    </message>
    <message>
        <source>Kind of layer to add</source>
        <translation>要加入的層類型</translation>
    </message>
    <message>
        <source>Add &amp;new layer</source>
        <translation>加入新層(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <source>Move do&amp;wn</source>
        <translation>下移(&amp;W)</translation>
    </message>
    <message>
        <source>Train thi&amp;s network</source>
        <translation>訓練這個網路(&amp;S)</translation>
    </message>
    <message>
        <source>Shapes are height × width × channels. A convolution or pooling layer with input width W, filter size F, padding P and stride S gives an output of width (W − F + 2P) / S + 1. &apos;same&apos; padding keeps the size (for a 5×5 filter, P = 2); each 2×2 pooling with stride 2 halves it.</source>
        <translation>形狀的寫法是 高 × 寬 × 通道。輸入寬度為 W、濾波器大小為 F、填補為 P、步幅為 S 的卷積層或池化層，輸出寬度為 (W − F + 2P) / S + 1。&apos;same&apos; 填補會保持大小（5×5 濾波器時 P = 2）；每個步幅為 2 的 2×2 池化層會把大小減半。</translation>
    </message>
    <message>
        <source>Total parameters: {0} ({1} of weights); {2} multiply-adds per image</source>
        <translation>參數總數：{0}（權重佔 {1}）；每張影像 {2} 次乘加運算</translation>
    </message>
    <message>
        <source>Total parameters: none until every layer can work</source>
        <translation>參數總數：要等每一層都能運作才有</translation>
    </message>
    <message>
        <source>the filter is larger than the input</source>
        <translation>濾波器比輸入還大</translation>
    </message>
    <message>
        <source>the filter is larger than the padded input</source>
        <translation>濾波器比填補後的輸入還大</translation>
    </message>
    <message>
        <source>Time per epoch on this machine: about {0} s ({1}–{2} s in {3} timings; 60,000 images, batch {4}, forward and backward)</source>
        <translation>本機每個訓練週期所需時間：約 {0} 秒（{3} 次計時介於 {1}–{2} 秒；60,000 張影像，批次大小 {4}，前向與反向傳播）</translation>
    </message>
    <message>
        <source>Time per epoch on this machine: not measured: a step of {0} images would take about {1} s, roughly {2} min per epoch</source>
        <translation>本機每個訓練週期所需時間：未測量：一步 {0} 張影像約需 {1} 秒，每個訓練週期大約 {2} 分鐘</translation>
    </message>
    <message>
        <source>Time per epoch on this machine: not measured (no answer in {0} s: the machine is busy or the network is very slow)</source>
        <translation>本機每個訓練週期所需時間：未測量（{0} 秒內沒有結果：機器忙碌中，或這個網路非常慢）</translation>
    </message>
    <message>
        <source>Time per epoch on this machine: not measured ({0})</source>
        <translation>本機每個訓練週期所需時間：未測量（{0}）</translation>
    </message>
    <message>
        <source>The network has no layers.</source>
        <translation>這個網路沒有任何層。</translation>
    </message>
    <message>
        <source>Move u&amp;p</source>
        <translation>上移(&amp;P)</translation>
    </message>
    <message>
        <source>Training is disabled: {0}</source>
        <translation>無法訓練：{0}</translation>
    </message>
    <message>
        <source>Take this network to the Train tab</source>
        <translation>把這個網路帶到「訓練」分頁</translation>
    </message>
    <message>
        <source>Time per epoch on this machine: measuring…</source>
        <translation>本機每個訓練週期所需時間：測量中…</translation>
    </message>
    <message>
        <source>Selected layer</source>
        <translation>選取的層</translation>
    </message>
    <message>
        <source>Layer {0}</source>
        <translation>第 {0} 層</translation>
    </message>
    <message>
        <source>padding is a number, &apos;same&apos; or &apos;valid&apos;</source>
        <translation>填補必須是數字、&apos;same&apos; 或 &apos;valid&apos;</translation>
    </message>
</context>
<context>
    <name>PredictionBars</name>
    <message>
        <source>Prediction</source>
        <translation>預測</translation>
    </message>
    <message>
        <source>Probability of each digit</source>
        <translation>每個數字的機率</translation>
    </message>
    <message>
        <source>probability</source>
        <translation>機率</translation>
    </message>
    <message>
        <source>{0} sure</source>
        <translation>{0} 確定</translation>
    </message>
    <message>
        <source>{0}, {1} sure</source>
        <translation>{0}，{1} 確定</translation>
    </message>
    <message>
        <source>Not a digit (closest: {0})</source>
        <translation>不是數字（最接近：{0}）</translation>
    </message>
    <message>
        <source>Not sure</source>
        <translation>不確定</translation>
    </message>
    <message>
        <source>{0} (the last digit; the last stroke is the decimal point)</source>
        <translation>{0}（最後一個數字；最後一筆是小數點）</translation>
    </message>
    <message>
        <source>{0} (the last digit; the last stroke is the minus sign)</source>
        <translation>{0}（最後一個數字；最後一筆是負號）</translation>
    </message>
    <message>
        <source>{0} (the last digit; the last stroke is not a digit)</source>
        <translation>{0}（最後一個數字；最後一筆不是數字）</translation>
    </message>
    <message>
        <source>{0} (the last stroke)</source>
        <translation>{0}（最後一筆）</translation>
    </message>
    <message>
        <source>Too small to read: draw the digit larger</source>
        <translation>太小，無法辨識：請把數字畫大一點</translation>
    </message>
    <message>
        <source>The probability of each digit: the network&apos;s, joined for a drawing with those of the readers of the pen&apos;s path (the line below says what the network reads alone). The digit read is drawn in orange when it is sure, in grey when it is not sure (the words above say which digits it hesitates between); a drawing that is not a digit shows no bars.</source>
        <translation>每個數字的機率：網路的機率，手繪時再結合筆畫路徑讀取器的機率（下方一行說明網路單獨讀出的結果）。讀出的數字有把握時以橘色顯示，沒有把握時以灰色顯示（上方的文字說明它在哪幾個數字間猶豫）；不是數字的圖形不顯示長條。</translation>
    </message>
    <message>
        <source>{0}: {1} ({2}) or {3} ({4})</source>
        <translation>{0}：{1}（{2}）或 {3}（{4}）</translation>
    </message>
    <message>
        <source>{0}: {1} ({2})</source>
        <translation>{0}：{1}（{2}）</translation>
    </message>
    <message>
        <source>The network alone: {0} ({1})</source>
        <translation>網路單獨讀出：{0}（{1}）</translation>
    </message>
    <message>
        <source>{0}; {1}</source>
        <translation>{0}；{1}</translation>
    </message>
    <message>
        <source>Draw a digit</source>
        <translation>寫一個數字</translation>
    </message>
    <message>
        <source>Write a number</source>
        <translation>寫一個數</translation>
    </message>
    <message>
        <source>nothing drawn</source>
        <translation>尚未書寫</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在載入模型…</translation>
    </message>
</context>
<context>
    <name>RunProgress</name>
    <message>
        <source>Training progress</source>
        <translation>訓練進度</translation>
    </message>
    <message>
        <source>Training speed</source>
        <translation>訓練速度</translation>
    </message>
    <message>
        <source>%p%  step {0}/{1}  ETA {2}</source>
        <translation>%p%  第 {0}/{1} 步  剩餘 {2}</translation>
    </message>
    <message>
        <source>{0} images/s  loss {1}</source>
        <translation>每秒 {0} 張影像  損失 {1}</translation>
    </message>
    <message>
        <source>%p%  step {0}/{1}</source>
        <translation>%p%  第 {0}/{1} 步</translation>
    </message>
    <message>
        <source>%p%  step {0}/{1}  paused</source>
        <translation>%p%  第 {0}/{1} 步  已暫停</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暫停</translation>
    </message>
    <message>
        <source>measuring the stopped model: {0} of {1} test images</source>
        <translation>正在測量已停止的模型：{1} 張測試圖片中的 {0} 張</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已發散</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message>
        <source>Run</source>
        <translation>訓練紀錄</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>優化器</translation>
    </message>
    <message>
        <source>LR</source>
        <translation>學習率</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>排程</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步數</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>丟棄率</translation>
    </message>
    <message>
        <source>Augment</source>
        <translation>擴增</translation>
    </message>
    <message>
        <source>Train images</source>
        <translation>訓練影像</translation>
    </message>
    <message>
        <source>live</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>已保留</translation>
    </message>
    <message>
        <source>model discarded</source>
        <translation>模型已捨棄</translation>
    </message>
    <message>
        <source>{0}, {1}</source>
        <translation>{0}，{1}</translation>
    </message>
    <message>
        <source>study {0}</source>
        <translation>研究 {0}</translation>
    </message>
    <message>
        <source>study</source>
        <translation>研究</translation>
    </message>
    <message>
        <source>training</source>
        <translation>訓練</translation>
    </message>
    <message>
        <source>fine-tune</source>
        <translation>微調</translation>
    </message>
    <message>
        <source>custom network</source>
        <translation>自訂網路</translation>
    </message>
    <message>
        <source>{0} · {1} · {2}</source>
        <translation>{0} · {1} · {2}</translation>
    </message>
    <message>
        <source>not evaluated</source>
        <translation>尚未評估</translation>
    </message>
    <message>
        <source>{0}: {1} on {2}, {3} s</source>
        <translation>{0}：{1}，在 {2} 上，{3} 秒</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n run(s) and the model(s) they made?</source>
        <translation>
            <numerusform>要刪除 %n 次訓練及其產生的模型嗎？</numerusform>
        </translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>訓練紀錄</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>欄</translation>
    </message>
    <message>
        <source>Ma&amp;ke live</source>
        <translation>設為使用中(&amp;K)</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>刪除訓練紀錄</translation>
    </message>
    <message>
        <source>Select runs to overlay their curves:</source>
        <translation>選取訓練紀錄以疊加它們的曲線：</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已發散</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>The live model&apos;s run cannot be deleted: make another model live first</source>
        <translation>使用中模型的訓練紀錄無法刪除：請先啟用另一個模型</translation>
    </message>
    <message>
        <source>{0} test</source>
        <translation>{0} 測試</translation>
    </message>
    <message>
        <source>Could not delete the run: {0}</source>
        <translation>無法刪除訓練紀錄：{0}</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>鍵盤快速鍵</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按鍵</translation>
    </message>
    <message>
        <source>Does</source>
        <translation>功能</translation>
    </message>
</context>
<context>
    <name>StudyTab</name>
    <message>
        <source>complete</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>running</source>
        <translation>執行中</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中斷</translation>
    </message>
    <message>
        <source>pruned</source>
        <translation>已剪除</translation>
    </message>
    <message>
        <source>A list of values, 1e-4,1e-3,1e-2; or a range low:high, spread over the count below (evenly, or evenly on a log scale)</source>
        <translation>值的清單，例如 1e-4,1e-3,1e-2；或範圍 下限:上限，依下方的個數平均分布（或在對數尺度上平均分布）</translation>
    </message>
    <message>
        <source>log scale</source>
        <translation>對數尺度</translation>
    </message>
    <message>
        <source>Train each value this many times, with seeds 0, 1, …: the spread between seeds shows the noise</source>
        <translation>每個值以種子 0、1、… 各訓練這麼多次：種子之間的差距顯示雜訊大小</translation>
    </message>
    <message>
        <source>from epochs</source>
        <translation>依訓練週期</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Start with the name of an earlier study to resume it: finished trials are not run again</source>
        <translation>以先前研究的名稱開始即可接續：已完成的試驗不會重跑</translation>
    </message>
    <message>
        <source>&amp;Parameter</source>
        <translation>參數(&amp;P)</translation>
    </message>
    <message>
        <source>Range c&amp;ount</source>
        <translation>範圍個數(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Repeats</source>
        <translation>重複次數(&amp;R)</translation>
    </message>
    <message>
        <source>Rec&amp;ipe</source>
        <translation>訓練配方(&amp;I)</translation>
    </message>
    <message>
        <source>Ma&amp;x steps</source>
        <translation>最多步數(&amp;X)</translation>
    </message>
    <message>
        <source>Trainin&amp;g images</source>
        <translation>訓練影像數(&amp;G)</translation>
    </message>
    <message>
        <source>Study &amp;name</source>
        <translation>研究名稱(&amp;N)</translation>
    </message>
    <message>
        <source>Study</source>
        <translation>研究</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>開始(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>Export the trials as a CSV file</source>
        <translation>把試驗匯出為 CSV 檔</translation>
    </message>
    <message>
        <source>Study progress</source>
        <translation>研究進度</translation>
    </message>
    <message>
        <source>Each value is trained with the recipe and budget above, once per seed; every run is kept in the Train tab&apos;s Runs list. A study closed before it ends resumes when you press Start with its name.</source>
        <translation>每個值都依上面的配方與預算、對每個種子各訓練一次；每次訓練都保留在「訓練」分頁的紀錄清單中。研究在結束前被關閉時，以同一名稱按「開始」即可接續。</translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation>測試準確率</translation>
    </message>
    <message>
        <source>no finished runs yet: press Start</source>
        <translation>尚無完成的訓練：請按「開始」</translation>
    </message>
    <message>
        <source>test accuracy (%), axis from {0}%</source>
        <translation>測試準確率 (%)，座標軸從 {0}% 起</translation>
    </message>
    <message>
        <source>test accuracy (%)</source>
        <translation>測試準確率 (%)</translation>
    </message>
    <message>
        <source>one run (per seed)</source>
        <translation>一次訓練（每個種子）</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Write CSV…</source>
        <translation>寫出 CSV…</translation>
    </message>
    <message>
        <source>mean, min–max</source>
        <translation>平均，最小–最大</translation>
    </message>
    <message>
        <source>Training time</source>
        <translation>訓練時間</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Trial</source>
        <translation>試驗</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>種子</translation>
    </message>
    <message>
        <source>State</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>準確率</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>秒數</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>訓練紀錄</translation>
    </message>
    <message>
        <source>Trials</source>
        <translation>試驗</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>欄</translation>
    </message>
    <message>
        <source>C&amp;ount</source>
        <translation>個數(&amp;O)</translation>
    </message>
    <message>
        <source>For a range low:high in Values: how many values it is spread into, the two ends included (1e-4:1e-1 with 4 on a log scale: 1e-4, 1e-3, 1e-2, 1e-1)</source>
        <translation>「值」為範圍 低:高 時，分成多少個值，含兩端（1e-4:1e-1、4 個、對數刻度：1e-4、1e-3、1e-2、1e-1）</translation>
    </message>
    <message>
        <source>The number of values in the list. Write a range low:high in Values (e.g. 1e-4:1e-1) to choose how many values it is spread into</source>
        <translation>清單中值的個數。在「值」寫下範圍 低:高（例如 1e-4:1e-1），即可選擇分成多少個值</translation>
    </message>
    <message>
        <source>Cannot start: {0}</source>
        <translation>無法開始：{0}</translation>
    </message>
    <message>
        <source>Resuming study “{0}”: {1} trials are done and are not run again.</source>
        <translation>接續研究「{0}」：{1} 個試驗已完成，不會重跑。</translation>
    </message>
    <message>
        <source>Study “{0}”: {1} values × {2} seeds = {3} runs.</source>
        <translation>研究「{0}」：{1} 個值 × {2} 個種子 = {3} 次訓練。</translation>
    </message>
    <message>
        <source>Stopping after the current run&apos;s next step…</source>
        <translation>會在目前訓練的下一步之後停止…</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Trial {0}: {1}</source>
        <translation>試驗 {0}：{1}</translation>
    </message>
    <message>
        <source>The study stopped: {0}</source>
        <translation>研究已停止：{0}</translation>
    </message>
    <message>
        <source>Study done.</source>
        <translation>研究完成。</translation>
    </message>
    <message>
        <source>Cancelled before the study began: nothing was made.</source>
        <translation>已在研究開始前取消：沒有建立任何東西。</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n trial(s) to {0}</source>
        <translation>
            <numerusform>已匯出 %n 個試驗到 {0}</numerusform>
        </translation>
    </message>
    <message>
        <source>%p%  trial {0} of {1}</source>
        <translation>%p%  第 {0}/{1} 次試驗</translation>
    </message>
    <message>
        <source>Cancelled. The finished runs stay; Start resumes the study.</source>
        <translation>已取消。完成的訓練會保留；按「開始」可接續研究。</translation>
    </message>
    <message>
        <source>Cannot read the study: {0}</source>
        <translation>無法讀取研究：{0}</translation>
    </message>
    <message>
        <source>No study to export yet.</source>
        <translation>還沒有可匯出的研究。</translation>
    </message>
    <message>
        <source>Export the study as CSV</source>
        <translation>把研究匯出為 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 檔案 (*.csv)</translation>
    </message>
    <message>
        <source>Could not write {0}: {1}</source>
        <translation>無法寫入 {0}：{1}</translation>
    </message>
</context>
<context>
    <name>TrainForm</name>
    <message>
        <source>Recipe</source>
        <translation>訓練配方</translation>
    </message>
    <message>
        <source>&amp;Recipe</source>
        <translation>訓練配方(&amp;R)</translation>
    </message>
    <message>
        <source>Hyperparameters: fine-tuning the live model on My digits</source>
        <translation>超參數：正在用我的數字微調使用中的模型</translation>
    </message>
    <message>
        <source>Hyperparameters</source>
        <translation>超參數</translation>
    </message>
</context>
<context>
    <name>TrainingPlots</name>
    <message>
        <source>no run yet: press Train, or select runs in the Runs list</source>
        <translation>尚無訓練：請按「訓練」，或在訓練紀錄中選取</translation>
    </message>
    <message>
        <source>Loss per step</source>
        <translation>每步損失</translation>
    </message>
    <message>
        <source>cross-entropy</source>
        <translation>交叉熵</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>準確率</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>準確率 (%)</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步數</translation>
    </message>
    <message>
        <source>Training loss (per step) is computed with label smoothing, the recipe&apos;s “Label smoothing” field: the targets are softened, so it stays above zero even when every image is read right. Test loss (per epoch) is plain cross-entropy on the 10,000 test images. The two differ for that reason, not only because the images differ.</source>
        <translation>訓練損失（每步）是以標籤平滑計算的，即訓練配方的「標籤平滑」欄位：目標被軟化，因此即使每張影像都辨識正確，它仍會高於零。測試損失（每個訓練週期）是在 10,000 張測試影像上計算的一般交叉熵。兩者不同是因為這個原因，而不只是因為影像不同。</translation>
    </message>
    <message>
        <source>training (raw)</source>
        <translation>訓練（原始）</translation>
    </message>
    <message>
        <source>training (smoothed)</source>
        <translation>訓練（平滑）</translation>
    </message>
    <message>
        <source>test (per epoch)</source>
        <translation>測試（每個訓練週期）</translation>
    </message>
    <message>
        <source>training (running)</source>
        <translation>訓練（移動平均）</translation>
    </message>
</context>
<context>
    <name>TrainingTab</name>
    <message>
        <source>Trai&amp;n</source>
        <translation>訓練(&amp;N)</translation>
    </message>
    <message>
        <source>Train a new model with these settings</source>
        <translation>以這些設定訓練新模型</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暫停(&amp;P)</translation>
    </message>
    <message>
        <source>St&amp;op</source>
        <translation>停止(&amp;O)</translation>
    </message>
    <message>
        <source>Training log</source>
        <translation>訓練日誌</translation>
    </message>
    <message>
        <source>Lo&amp;g</source>
        <translation>日誌(&amp;G)</translation>
    </message>
    <message>
        <source>Run&amp;s</source>
        <translation>訓練紀錄(&amp;S)</translation>
    </message>
    <message>
        <source>Log and runs</source>
        <translation>日誌與訓練紀錄</translation>
    </message>
    <message>
        <source>A study is running (Studies tab): one piece of work at a time.</source>
        <translation>參數研究正在進行（「參數研究」分頁）：一次只做一件工作。</translation>
    </message>
    <message>
        <source>Architecture “custom” trains the network on the Model tab, and there is none yet. Build one there, or choose a preset.</source>
        <translation>架構「自訂」會訓練「模型」分頁上的網路，但那裡還沒有網路。請先在那裡建立一個，或選擇一個預設架構。</translation>
    </message>
    <message>
        <source>cannot start: {0}</source>
        <translation>無法開始：{0}</translation>
    </message>
    <message>
        <source>Cannot start training</source>
        <translation>無法開始訓練</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>繼續(&amp;C)</translation>
    </message>
    <message numerus="yes">
        <source>the network from the Model tab is ready to train (%n layer(s))</source>
        <translation>
            <numerusform>「模型」分頁的網路已可訓練（%n 層）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n step(s)</source>
        <translation>
            <numerusform>%n 步</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n epoch(s)</source>
        <translation>
            <numerusform>%n 個訓練週期</numerusform>
        </translation>
    </message>
    <message>
        <source>{0} epochs</source>
        <comment>a fraction: 0.75 epochs</comment>
        <translation>{0} 個訓練週期</translation>
    </message>
    <message>
        <source>training {0}: {1} lr {2}, {3}, batch {4}, {5}{6}</source>
        <translation>訓練 {0}：{1}，學習率 {2}，{3}，批次 {4}，{5}{6}</translation>
    </message>
    <message>
        <source>, augmented</source>
        <translation>，資料擴增</translation>
    </message>
    <message>
        <source>fine-tuning needs MNIST: choose the folder with its files, or download them</source>
        <translation>微調需要 MNIST：請選擇存放其檔案的資料夾，或下載這些檔案</translation>
    </message>
    <message>
        <source>loading PyTorch for the fine-tune…</source>
        <translation>正在為微調載入 PyTorch…</translation>
    </message>
    <message>
        <source>Cannot fine-tune</source>
        <translation>無法微調</translation>
    </message>
    <message>
        <source>fine-tuning on {0} of my digits mixed with MNIST: each repeated {1} times, {2} of the training images</source>
        <translation>以 {0} 個我的數字混合 MNIST 進行微調：每個重複 {1} 次，佔訓練影像中的 {2} 張</translation>
    </message>
    <message>
        <source>stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>{0} training images, {1} steps</source>
        <translation>{0} 張訓練影像，{1} 步</translation>
    </message>
    <message>
        <source>epoch {0}/{1}: test accuracy {2}, test loss {3} ({4} s of training)</source>
        <translation>訓練週期 {0}/{1}：測試準確率 {2}，測試損失 {3}（已訓練 {4} 秒）</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>訓練失敗</translation>
    </message>
    <message>
        <source>The previous model stays live.</source>
        <translation>原本的模型仍在使用中。</translation>
    </message>
    <message>
        <source>Fine-tuning failed</source>
        <translation>微調失敗</translation>
    </message>
    <message>
        <source>MNIST folder: {0}</source>
        <translation>MNIST 資料夾：{0}</translation>
    </message>
</context>
<context>
    <name>TrainingWorker</name>
    <message>
        <source>stopped before training began</source>
        <translation>在訓練開始前就已停止</translation>
    </message>
    <message>
        <source>evaluating the stopped model…</source>
        <translation>正在評估已停止的模型…</translation>
    </message>
</context>
<context>
    <name>WhyView</name>
    <message>
        <source>Why this digit</source>
        <translation>為何是這個數字</translation>
    </message>
    <message>
        <source>Draw a digit to see why</source>
        <translation>畫一個數字，看看原因</translation>
    </message>
    <message>
        <source>Orange: for {0} · blue: against</source>
        <translation>橘色：支持 {0}・藍色：反對</translation>
    </message>
    <message>
        <source>Orange: ink that made it a {0}. Blue: ink that spoke against it.</source>
        <translation>橘色：讓它成為 {0} 的筆跡。藍色：與它相反的筆跡。</translation>
    </message>
    <message>
        <source>Some of the ink spoke against {0}</source>
        <translation>部分筆跡與 {0} 相反</translation>
    </message>
    <message>
        <source>The ink mostly made it a {0}</source>
        <translation>筆跡大多讓它成為 {0}</translation>
    </message>
</context>
<context>
    <name>core</name>
    <message>
        <source>cosine</source>
        <translation>餘弦</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>自訂</translation>
    </message>
    <message>
        <source>filters</source>
        <translation>濾波器數</translation>
    </message>
    <message>
        <source>kernel</source>
        <translation>核大小</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>stride</source>
        <translation>步幅</translation>
    </message>
    <message>
        <source>padding</source>
        <translation>填補</translation>
    </message>
    <message>
        <source>bias</source>
        <translation>偏差項</translation>
    </message>
    <message>
        <source>rate</source>
        <translation>比率</translation>
    </message>
    <message>
        <source>units</source>
        <translation>單元數</translation>
    </message>
    <message>
        <source>pool size</source>
        <translation>池化大小</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架構</translation>
    </message>
    <message>
        <source>network preset, or custom: the network edited on the Model tab (mnist-gui train --arch FILE.json)</source>
        <translation>網路預設，或「自訂」：在「模型」分頁編輯的網路（mnist-gui train --arch FILE.json）</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>訓練週期</translation>
    </message>
    <message>
        <source>passes over the training images (may be fractional); max steps overrides it</source>
        <translation>走過全部訓練影像的次數（可為小數）；設定最大步數時以最大步數為準</translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>最大步數</translation>
    </message>
    <message>
        <source>stop after this many batches (default: from epochs)</source>
        <translation>訓練這麼多個批次後停止（預設：由訓練週期決定）</translation>
    </message>
    <message>
        <source>from epochs</source>
        <translation>由訓練週期決定</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>images per step</source>
        <translation>每步的影像數</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>優化器</translation>
    </message>
    <message>
        <source>the update rule</source>
        <translation>權重更新規則</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>學習率</translation>
    </message>
    <message>
        <source>(peak) learning rate</source>
        <translation>（最高）學習率</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>動量</translation>
    </message>
    <message>
        <source>SGD momentum (Nesterov when above 0); ignored by Adam/AdamW</source>
        <translation>SGD 動量（大於 0 時使用 Nesterov）；Adam/AdamW 不使用</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>排程</translation>
    </message>
    <message>
        <source>how the learning rate changes over the run</source>
        <translation>學習率在訓練過程中如何變化</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>丟棄率</translation>
    </message>
    <message>
        <source>dropout rate before the last dense layer</source>
        <translation>最後一個全連接層之前的丟棄率</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>權重衰減</translation>
    </message>
    <message>
        <source>decoupled (AdamW) or L2 weight decay on weights</source>
        <translation>解耦式（AdamW）或 L2 權重衰減</translation>
    </message>
    <message>
        <source>Label smoothing</source>
        <translation>標籤平滑</translation>
    </message>
    <message>
        <source>share of the target spread over the other digits</source>
        <translation>分給其他數字的目標比例</translation>
    </message>
    <message>
        <source>Augmentation</source>
        <translation>資料擴增</translation>
    </message>
    <message>
        <source>random affine and stroke-thickness augmentation</source>
        <translation>隨機仿射變換與筆畫粗細擴增</translation>
    </message>
    <message>
        <source>Training images</source>
        <translation>訓練影像數</translation>
    </message>
    <message>
        <source>use this many training images (default: all)</source>
        <translation>使用這麼多張訓練影像（預設：全部）</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>數值精度</translation>
    </message>
    <message>
        <source>auto: bfloat16 autocast where the device computes it natively (recent CPUs and GPUs), float32 elsewhere; fp32 or bf16: always that. Weights, loss and optimizer stay float32</source>
        <translation>自動：裝置原生支援 bfloat16 時以 bfloat16 自動轉換計算（較新的 CPU 與 GPU），其他情況用 float32；fp32 或 bf16：一律用該精度。權重、損失與優化器維持 float32</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自動</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>隨機種子</translation>
    </message>
    <message>
        <source>random seed (same seed, same machine: same result)</source>
        <translation>隨機種子（相同種子、相同機器：相同結果）</translation>
    </message>
    <message>
        <source>fast (default)</source>
        <translation>快速（預設）</translation>
    </message>
    <message>
        <source>AdamW 2e-3 with a one-cycle schedule, batch 64, label smoothing 0.1, 0.75 epoch (45,000 images): about 99.2% on the tutorial&apos;s network</source>
        <translation>AdamW 2e-3，one-cycle 排程，批次大小 64，標籤平滑 0.1，0.75 個訓練週期（45,000 張影像）：教學網路約 99.2%</translation>
    </message>
    <message>
        <source>tutorial recipe</source>
        <translation>教學的配方</translation>
    </message>
    <message>
        <source>the tutorial&apos;s own: plain SGD, learning rate 0.001, batch 100, 20,000 steps (about 97.3%)</source>
        <translation>教學原本的做法：一般 SGD、學習率 0.001、批次大小 100、20,000 步（約 97.3%）</translation>
    </message>
    <message>
        <source>fast-bn, one epoch</source>
        <translation>fast-bn，一個訓練週期</translation>
    </message>
    <message>
        <source>the small batch-norm network, AdamW 1e-2, one epoch: about 99.1% in a fraction of the time</source>
        <translation>使用批次正規化的小網路、AdamW 1e-2、一個訓練週期：只需一小部分時間即達約 99.1%</translation>
    </message>
    <message>
        <source>fine-tune on my digits</source>
        <translation>用我的數字微調</translation>
    </message>
    <message>
        <source>a short run from the live model on My digits mixed with MNIST, so MNIST accuracy holds</source>
        <translation>從使用中的模型出發，以「我的數字」混合 MNIST 短暫訓練，使 MNIST 準確率維持不變</translation>
    </message>
    <message>
        <source>the chosen folder: {folder}</source>
        <translation>選定的資料夾：{folder}</translation>
    </message>
    <message>
        <source>MNIST_GUI_DATA: {folder}</source>
        <translation>MNIST_GUI_DATA：{folder}</translation>
    </message>
    <message>
        <source>the app folder: {folder}</source>
        <translation>應用程式資料夾：{folder}</translation>
    </message>
    <message>
        <source>{place} (missing {files})</source>
        <translation>{place}（缺少 {files}）</translation>
    </message>
    <message>
        <source>{place} (holds all four files)</source>
        <translation>{place}（四個檔案都在）</translation>
    </message>
    <message>
        <source>a {work} is running; wait for it or stop it first</source>
        <translation>{work}正在執行；請等它結束或先停止它</translation>
    </message>
    <message>
        <source>{model}, CPU, {threads} threads</source>
        <translation>{model}，CPU，{threads} 個執行緒</translation>
    </message>
    <message>
        <source>CPU, {threads} threads</source>
        <translation>CPU，{threads} 個執行緒</translation>
    </message>
    <message>
        <source>MNIST was not found (looked in {looked}). Choose the folder that holds the four MNIST files, or download them.</source>
        <translation>找不到 MNIST（找過：{looked}）。請選擇存放四個 MNIST 檔案的資料夾，或下載這些檔案。</translation>
    </message>
    <message>
        <source>{folder} lacks {file}</source>
        <translation>{folder} 缺少 {file}</translation>
    </message>
    <message>
        <source>loading MNIST from {folder}</source>
        <translation>從 {folder} 載入 MNIST</translation>
    </message>
    <message>
        <source>downloading MNIST into {folder}</source>
        <translation>下載 MNIST 到 {folder}</translation>
    </message>
    <message>
        <source>downloading {file} ({index} of {count})</source>
        <translation>下載 {file}（第 {index} 個，共 {count} 個）</translation>
    </message>
    <message>
        <source>diverged at step {step}: loss is {loss}; lower the learning rate</source>
        <translation>在第 {step} 步發散：損失為 {loss}；請降低學習率</translation>
    </message>
    <message>
        <source>stopped at step {step} of {total}</source>
        <translation>在第 {step} 步（共 {total} 步）停止</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暫停</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>已繼續</translation>
    </message>
    <message>
        <source>using an untrained model: train one on the Train tab</source>
        <translation>正在使用未訓練的模型：請在「訓練」分頁訓練一個</translation>
    </message>
    <message>
        <source>best: {value} at {mean:.2%} (mean of {runs})</source>
        <translation>最佳：{value}，{mean:.2%}（{runs} 次的平均）</translation>
    </message>
    <message>
        <source>next: {value} at {mean:.2%}, {gap:.2f} points lower</source>
        <translation>其次：{value}，{mean:.2%}，低 {gap:.2f} 個百分點</translation>
    </message>
    <message>
        <source>next: {value} at {mean:.2%}, {gap:.2f} points lower (one seed each: run with repeats to see the noise)</source>
        <translation>其次：{value}，{mean:.2%}，低 {gap:.2f} 個百分點（每個值只有一個種子：設定重複次數才看得出雜訊）</translation>
    </message>
    <message>
        <source>next: {value} at {mean:.2%}, {gap:.2f} points lower — within the noise (seeds differ by up to {spread:.2f} points)</source>
        <translation>其次：{value}，{mean:.2%}，低 {gap:.2f} 個百分點——在雜訊範圍內（不同種子最多相差 {spread:.2f} 個百分點）</translation>
    </message>
    <message>
        <source>next: {value} at {mean:.2%}, {gap:.2f} points lower — more than the noise (seeds differ by up to {spread:.2f} points)</source>
        <translation>其次：{value}，{mean:.2%}，低 {gap:.2f} 個百分點——超過雜訊（不同種子最多相差 {spread:.2f} 個百分點）</translation>
    </message>
    <message>
        <source>worst: {value} at {mean:.2%}</source>
        <translation>最差：{value}，{mean:.2%}</translation>
    </message>
    <message>
        <source>layer {layer} ({kind}): {problem}</source>
        <translation>第 {layer} 層（{kind}）：{problem}</translation>
    </message>
    <message>
        <source>{what} must be at least {low}, got {got}</source>
        <translation>{what}至少要 {low}，目前是 {got}</translation>
    </message>
    <message>
        <source>{what} {got} is more than {high:,}: a network this size would not fit in memory</source>
        <translation>{what} {got} 超過 {high:,}：這麼大的網路放不進記憶體</translation>
    </message>
    <message>
        <source>padding must be 0 or more, got {got}</source>
        <translation>填補必須是 0 或以上，目前是 {got}</translation>
    </message>
    <message>
        <source>padding {got} is more than {high:,}</source>
        <translation>填補 {got} 超過 {high:,}</translation>
    </message>
    <message>
        <source>padding {padding} is more than half the pool size {size} (PyTorch allows at most {most})</source>
        <translation>填補 {padding} 超過池化大小 {size} 的一半（PyTorch 最多允許 {most}）</translation>
    </message>
    <message>
        <source>rate must be in [0, 1), got {rate:g}</source>
        <translation>比率必須在 [0, 1) 之間，目前是 {rate:g}</translation>
    </message>
    <message>
        <source>{kind} needs an H×W×C volume, but its input is flat ({n}): it cannot follow flatten or dense</source>
        <translation>{kind} 需要 H×W×C 的體積，但它的輸入是平的（{n}）：它不能接在 flatten 或 dense 之後</translation>
    </message>
    <message>
        <source>padding &quot;same&quot; needs stride 1; PyTorch does not support it with stride {stride} (give the padding as a number)</source>
        <translation>填補 same 需要步幅 1；PyTorch 不支援步幅 {stride} 時使用它（請以數字指定填補）</translation>
    </message>
    <message>
        <source>padding &quot;same&quot; with the even kernel {kernel} pads unevenly: {before} before and {after} after, as PyTorch does</source>
        <translation>偶數核大小 {kernel} 搭配填補 same 會填補得不對稱：前面 {before}、後面 {after}，與 PyTorch 相同</translation>
    </message>
    <message>
        <source>{what} {size} is larger than its {h}×{w} input: &quot;same&quot; padding makes it work, but most of what it sees is padding</source>
        <translation>{what} {size} 比它的 {h}×{w} 輸入還大：填補 same 讓它能運作，但它看到的大多是填補</translation>
    </message>
    <message>
        <source>{what} {size} is larger than its {h}×{w} input after padding {padding}</source>
        <translation>{what} {size} 比它填補 {padding} 之後的 {h}×{w} 輸入還大</translation>
    </message>
    <message>
        <source>{fraction} + 1 is not whole: floors to {out}</source>
        <translation>{fraction} + 1 不是整數：無條件捨去為 {out}</translation>
    </message>
    <message>
        <source>dense needs a flat input, but its input is the {volume} volume: put a flatten before it</source>
        <translation>dense 需要平的輸入，但它的輸入是 {volume} 的體積：請在它前面加一個 flatten</translation>
    </message>
    <message>
        <source>the network ends in {outputs} outputs; it must end in {classes}, one per digit (end with dense {classes})</source>
        <translation>網路最後輸出 {outputs}；必須是 {classes} 個，每個數字一個（以 dense {classes} 結尾）</translation>
    </message>
    <message>
        <source>My digits is empty: teach some digits first</source>
        <translation>「我的數字」是空的：請先教一些數字</translation>
    </message>
    <message>
        <source>the model has not loaded yet</source>
        <translation>模型尚未載入</translation>
    </message>
    <message>
        <source>training run</source>
        <translation>訓練</translation>
    </message>
    <message>
        <source>one-cycle</source>
        <translation>單週期 (one-cycle)</translation>
    </message>
    <message>
        <source>fine-tuning run</source>
        <translation>微調</translation>
    </message>
    <message>
        <source>study</source>
        <translation>參數研究</translation>
    </message>
    <message>
        <source>finished: test accuracy {accuracy:.2%} after 1 step, {seconds:.1f} s of training</source>
        <translation>完成：1 步、訓練 {seconds:.1f} 秒後，測試準確率 {accuracy:.2%}</translation>
    </message>
    <message>
        <source>finished: test accuracy {accuracy:.2%} after {steps} steps, {seconds:.1f} s of training</source>
        <translation>完成：{steps} 步、訓練 {seconds:.1f} 秒後，測試準確率 {accuracy:.2%}</translation>
    </message>
    <message>
        <source>no finished runs yet</source>
        <translation>還沒有完成的訓練</translation>
    </message>
    <message>
        <source>its input is already flat: this flatten does nothing</source>
        <translation>它的輸入已經是平的：這個 flatten 沒有作用</translation>
    </message>
    <message>
        <source>MNIST could not be downloaded: this computer cannot reach the MNIST servers ({0}). Connect to the internet and press Download again, or choose a folder that already holds the four MNIST files.</source>
        <translation>無法下載 MNIST：這台電腦連不上 MNIST 伺服器（{0}）。請連上網路後再按「下載」，或選擇已存放四個 MNIST 檔案的資料夾。</translation>
    </message>
    <message>
        <source>MNIST could not be downloaded ({0}). Press Download to try again, or choose a folder that already holds the four MNIST files.</source>
        <translation>無法下載 MNIST（{0}）。請按「下載」再試一次，或選擇已存放四個 MNIST 檔案的資料夾。</translation>
    </message>
</context>
<context>
    <name>i18n</name>
    <message>
        <source>, </source>
        <comment>the separator of a list inside a sentence</comment>
        <translation>、</translation>
    </message>
    <message>
        <source>; </source>
        <comment>the separator of messages said one after another</comment>
        <translation>；</translation>
    </message>
</context>
</TS>
